"""What NLTK's masc_tagged and nps_chat readers give, what corpora.masc changes, and the EWT evidence for each rule.

    POSTAG_DATA_DIR=../shared/data NLTK_DATA=../shared/nltk_data python -m benchmarks.masc_survey

Writes benchmarks/results/masc_survey.json and .md:
- each corpus as NLTK reads it: sentences, words, empty sentences, every tag with its count (those outside
  EWT's XPOS inventory marked), untagged pieces (tokens that held spaces), fused forms, clitics, brackets, hyphens;
- every normalisation with its count, and the corpus after it (sizes per split, tags);
- the figures behind the rules, measured on UD English EWT v2.16: how EWT tokenizes hyphenated compounds (which
  first parts it keeps whole), how often the quote-direction rule, the do-before-n't rule and the 's rule give
  EWT's gold tag, and how often MASC train's majority tag is EWT's tag for the parts of EWT's split compounds.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

from corpora import masc, nltk_corpora  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
FUSED_FORMS = ("gonna", "wanna", "gotta", "cannot", "outta", "dunno", "kinda", "lemme", "gimme", "sorta")


def ewt_sentences(path: Path) -> list[list[tuple[str, str, str, bool]]]:
    """(FORM, UPOS, XPOS, SpaceAfter=No) per word, sentence by sentence."""
    sentences, current = [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                if current:
                    sentences.append(current)
                current = []
                continue
            columns = line.rstrip("\n").split("\t")
            if len(columns) == 10 and columns[0].isdigit():
                current.append((columns[1], columns[3], columns[4], "SpaceAfter=No" in columns[9]))
    if current:
        sentences.append(current)
    return sentences


def ewt_compounds(sentence) -> list[list[int]]:
    """Word indexes of each `a-b(-c)` written without spaces and split by EWT into a HYPH b."""
    found, index = [], 0
    while index < len(sentence):
        end, parts = index, [index]
        while (end + 2 < len(sentence) and sentence[end][3] and sentence[end + 1][0] == "-"
               and sentence[end + 1][2] == "HYPH" and sentence[end + 1][3] and re.match(r"\w", sentence[end + 2][0])
               and re.search(r"\w$", sentence[end][0])):
            end += 2
            parts.append(end)
        if len(parts) > 1:
            found.append(parts)
            index = end + 1
        else:
            index += 1
    return found


def raw_survey(tagged_sentences) -> dict:
    tags: Counter = Counter()
    sentences = words = empty = untagged = 0
    brackets, clitics, fused = Counter(), Counter(), Counter()
    whole_compounds = dash_between_words = 0
    for tagged in tagged_sentences:
        sentences += 1
        if not tagged:
            empty += 1
        for index, (word, tag) in enumerate(tagged):
            words += 1
            tags[tag if tag is not None else "(untagged piece)"] += 1
            untagged += tag is None
            if word in ("(", ")", "[", "]", "{", "}", "-LRB-", "-RRB-"):
                brackets[f"{word} {tag}"] += 1
            if re.fullmatch(r"(?i)n't|n’t|'(s|m|re|ve|ll|d)|’(s|m|re|ve|ll|d)", word):
                clitics[f"{word} {tag}"] += 1
            if word.lower() in FUSED_FORMS:
                fused[word.lower()] += 1
            if masc.COMPOUND.fullmatch(word):
                whole_compounds += 1
            if (word == "-" and 0 < index < len(tagged) - 1 and tagged[index - 1][0][-1:].isalnum()
                    and tagged[index + 1][0][:1].isalnum()):
                dash_between_words += 1
    return {"sentences": sentences, "words": words, "empty_sentences": empty, "untagged_pieces": untagged,
            "tags": [{"tag": t, "count": n, "in_ewt_inventory": t in masc.EWT_XPOS} for t, n in tags.most_common()],
            "brackets": dict(brackets.most_common()), "clitics": dict(clitics.most_common(20)),
            "fused_forms": dict(fused.most_common()), "hyphenated_words_whole": whole_compounds,
            "dash_between_words": dash_between_words}


def ewt_evidence(folder: Path, masc_lexicon: dict[str, str]) -> dict:
    train = ewt_sentences(folder / "en_ewt-ud-train.conllu")
    everything = train + [s for split in ("dev", "test") for s in ewt_sentences(folder / f"en_ewt-ud-{split}.conllu")]
    # Hyphens: which first parts EWT train keeps whole, which it splits.
    whole, split = Counter(), Counter()
    for sentence in train:
        for word, _, _, _ in sentence:
            if re.fullmatch(r"[A-Za-z]+(-[A-Za-z0-9]+)+", word):
                whole[word.split("-")[0].lower()] += 1
        for parts in ewt_compounds(sentence):
            split[sentence[parts[0]][0].lower()] += 1
    prefixes = {p: {"whole": whole[p], "split": split[p]} for p in sorted(whole, key=lambda p: -whole[p])}
    # Quote direction on EWT's straight quotes; do before n't; 's by the word before.
    quotes, do_rule, s_rule = Counter(), Counter(), Counter()
    parts_right = Counter()
    for sentence in everything:
        words = [w for w, _, _, _ in sentence]
        for quote in masc.STRAIGHT_QUOTES:
            candidates = {i for i, (w, _, x, _) in enumerate(sentence) if w == quote and x in ("``", "''")}
            if candidates:
                masked = [w if i in candidates or w != quote else "\0" for i, w in enumerate(words)]
                directions = masc.quote_directions(masked, quote)
                for i in candidates:
                    quotes[(quote, "n")] += 1
                    quotes[(quote, "right")] += directions[i] == sentence[i][2]
        for i in range(1, len(sentence)):
            word, _, tag, _ = sentence[i]
            previous = sentence[i - 1]
            if word.lower() in ("n't", "n’t") and previous[0].lower() == "do":
                first = not any(w[:1].isalnum() for w in words[: i - 1])
                do_rule["n"] += 1
                do_rule["right"] += ("VB" if first else "VBP") == previous[2]
            if word.lower() in ("'s", "’s") and tag in ("POS", "VBZ", "PRP"):
                host = previous[0].lower()
                guess = "PRP" if host == "let" else "VBZ" if host in masc.S_VERB_HOSTS else "POS"
                s_rule["n"] += 1
                s_rule["right"] += guess == tag
        for parts in ewt_compounds(sentence):
            for index in parts:
                word, _, tag, _ = sentence[index]
                guess = masc_lexicon.get(word) or masc_lexicon.get(word.lower()) or masc.shape_tag(word)
                parts_right["n"] += 1
                parts_right["right"] += guess == tag
    return {
        "hyphen_first_parts_kept_whole_in_train": prefixes,
        "ewt_train_split_compounds": sum(split.values()),
        "quote_rule": {q: {"quotes": quotes[(q, "n")], "right": quotes[(q, "right")],
                           "share": quotes[(q, "right")] / max(quotes[(q, "n")], 1)} for q in masc.STRAIGHT_QUOTES},
        "do_before_nt_rule": {**do_rule, "share": do_rule["right"] / max(do_rule["n"], 1)},
        "s_rule": {**s_rule, "share": s_rule["right"] / max(s_rule["n"], 1)},
        "compound_part_guess": {**parts_right, "share": parts_right["right"] / max(parts_right["n"], 1)},
    }


def main() -> None:
    data = Path(os.environ.get("POSTAG_DATA_DIR", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))
    results: dict = {}
    for name in ("masc_tagged", "nps_chat"):
        corpus = nltk_corpora.nltk_corpus(f"nltk:{name}")
        reader = nltk_corpora._reader(corpus, False)
        raw = reader.tagged_sents() if name == "masc_tagged" else reader.tagged_posts()
        counts: Counter = Counter()
        if name == "masc_tagged":
            normalised = masc.read_masc(reader, nltk_corpora.document_split(reader.fileids()), counts)
        else:
            normalised = masc.read_nps_chat(reader, counts)
        after_tags = Counter(t for sentences in normalised.values() for s in sentences for t in s.tags)
        rules = Counter(r for sentences in normalised.values() for s in sentences for r in s.rules if r)
        results[name] = {
            "as_nltk_reads_it": raw_survey(raw),
            "normalisations": dict(sorted(counts.items(), key=lambda item: -item[1])),
            "words_by_rule": dict(rules.most_common()),
            "after": {split: {"sentences": len(s), "words": sum(len(x.words) for x in s)}
                      for split, s in normalised.items()},
            "tags_after": dict(after_tags.most_common()),
        }
        if name == "masc_tagged":
            lexicon = masc.majority_tags(normalised["train"])
    results["ewt_evidence"] = ewt_evidence(data / "ud_english_ewt", lexicon)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "masc_survey.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    lines = ["# MASC and NPS Chat as NLTK reads them, and as corpora.masc normalises them", "",
             "`POSTAG_DATA_DIR=../shared/data NLTK_DATA=../shared/nltk_data python -m benchmarks.masc_survey`", ""]
    for name in ("masc_tagged", "nps_chat"):
        r = results[name]
        raw = r["as_nltk_reads_it"]
        lines += [f"## nltk:{name}", "",
                  f"As read: {raw['sentences']:,} sentences, {raw['words']:,} words, {raw['empty_sentences']} empty "
                  f"sentences, {raw['untagged_pieces']} untagged pieces, {raw['hyphenated_words_whole']:,} hyphenated "
                  f"words kept whole, {raw['dash_between_words']:,} `-` tokens between two words.", "",
                  "Tags (* = not in EWT's XPOS inventory): " + ", ".join(
                      f"{t['tag']}{'' if t['in_ewt_inventory'] else '*'} {t['count']:,}" for t in raw["tags"]), "",
                  "Brackets: " + ", ".join(f"`{k}` {v}" for k, v in raw["brackets"].items()), "",
                  "Clitics: " + ", ".join(f"`{k}` {v}" for k, v in raw["clitics"].items()), "",
                  "Fused forms: " + ", ".join(f"{k} {v}" for k, v in raw["fused_forms"].items()), "",
                  "| normalisation | count |", "|---|---|"]
        lines += [f"| {k} | {v:,} |" for k, v in r["normalisations"].items()]
        by_rule = ", ".join(f"{k} {v:,}" for k, v in r["words_by_rule"].items())
        lines += ["", f"Words by the rule that set them: {by_rule}",
                  "", "After: " + ", ".join(f"{s} {v['sentences']:,} sentences / {v['words']:,} words"
                                            for s, v in r["after"].items()), "",
                  "Tags after: " + ", ".join(f"{t} {n:,}" for t, n in r["tags_after"].items()), ""]
    e = results["ewt_evidence"]
    lines += ["## The evidence on UD English EWT v2.16", "",
              "- Quote direction rule (train+dev+test straight quotes tagged `` or ''): "
              + ", ".join(f"`{q}` {v['right']:,}/{v['quotes']:,} = {v['share']:.1%}"
                          for q, v in e["quote_rule"].items()),
              f"- `do` before n't: VB at the start of a sentence, else VBP: {e['do_before_nt_rule']['right']}/"
              f"{e['do_before_nt_rule']['n']} = {e['do_before_nt_rule']['share']:.1%}",
              f"- 's by the word before (let: PRP; pronoun and wh-word hosts: VBZ; else POS): {e['s_rule']['right']}/"
              f"{e['s_rule']['n']} = {e['s_rule']['share']:.1%}",
              f"- Parts of EWT's split compounds tagged with MASC train's majority tag (else by shape): "
              f"{e['compound_part_guess']['right']}/{e['compound_part_guess']['n']} = "
              f"{e['compound_part_guess']['share']:.1%}",
              f"- EWT train splits {e['ewt_train_split_compounds']} hyphenated compounds; first parts it keeps whole "
              "(whole / split): " + ", ".join(f"{p} {v['whole']}/{v['split']}"
                                              for p, v in e["hyphen_first_parts_kept_whole_in_train"].items()), ""]
    (RESULTS / "masc_survey.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[-8:]))


if __name__ == "__main__":
    main()
