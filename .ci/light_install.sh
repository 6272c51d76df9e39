#!/usr/bin/env bash
# The light install, as a user gets it: the wheel built from this checkout, installed without extras into a
# fresh virtual environment (no -e: the files must be in the wheel), where TensorFlow must not be installed;
# then a file is tagged with `postag tag` and through `postag serve`, from outside the checkout.
# Usage: .ci/light_install.sh PYTHON   (a Python with pip and build tools: the dev environment's)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${1:-python3}"
work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" .
wheel="$(ls "$work"/dist/postag-*.whl)"
"$python" - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for needed in ("tagger/pretrained/en_ewt/model.onnx", "tagger/pretrained/en_ewt/tokenizer/model.onnx",
               "pipelines/tagging/stream.py", "pipelines/serving/page/index.html", "cli.py"):
    assert needed in names, f"the wheel lacks {needed}"
print(f"wheel: {len(names)} files, the shipped model and the page among them")
PY
python3 -m venv "$work/light"
"$work/light/bin/python" -m pip install --quiet "$wheel"
cd "$work"  # away from the checkout: what runs is what the wheel installed
light="$work/light/bin"
"$light/python" - <<'PY'
import importlib.util, pathlib, tagger
for module in ("tensorflow", "keras", "h5py", "matplotlib", "onnx", "nltk"):
    assert importlib.util.find_spec(module) is None, f"{module} is installed without the train extra"
where = pathlib.Path(tagger.__file__).resolve()
assert "site-packages" in where.parts, f"tagger comes from {where}, not from the installed wheel"
print(f"light install: no TensorFlow, Keras, h5py, matplotlib, onnx or NLTK; tagger from {where.parent}")
PY
printf 'The old man the boats. Time flies like an arrow.\n' > notes.txt
tagged="$("$light/postag" tag notes.txt)"
test "${tagged%%$'\n'*}" = "The/DET old/ADJ man/NOUN the/DET boats/NOUN ./PUNCT" || { echo "tagged: $tagged"; exit 1; }
"$light/postag" models info en_ewt --json | "$light/python" -c '
import json, sys
path = json.load(sys.stdin)["path"]
assert "site-packages" in path, f"the shipped model is read from {path}, not from the wheel"
print(f"the shipped model: {path}")'

if "$light/postag" train --corpus ud:en_ewt --output model 2> train.err; then exit 1; fi
grep -q 'pip install "postag\[train\]"' train.err

port="$("$light/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$light/postag" serve --port "$port" --no-access-log 2> serve.log &
server=$!
"$light/python" - "$port" <<'PY'
import json, sys, time, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(base + "/healthz", timeout=2)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise SystemExit("postag serve did not start: " + open("serve.log").read()[-2000:])
        time.sleep(0.2)
body = json.dumps({"text": open("notes.txt").read()}).encode()
answer = json.load(urllib.request.urlopen(urllib.request.Request(base + "/v1/tag", data=body), timeout=30))
words = [(w["word"], w["tag"]) for s in answer["sentences"] for w in s["words"]]
assert words[:3] == [("The", "DET"), ("old", "ADJ"), ("man", "NOUN")], words
print(f"postag serve: {len(words)} words tagged over HTTP")
PY
kill -TERM "$server"
wait "$server"
server=""
echo "light install: ok"
