"""Reading IDX files (the MNIST format) with numpy, gzip-compressed or not.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions), one
big-endian uint32 size per dimension, then the values in row-major order. Every check here raises a
PipelineError naming the file, so a damaged download reads as one clear line rather than a numpy error.
No TensorFlow here: the module is usable (and testable) on its own.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from pipelines.errors import PipelineError

# Type code (third byte of the magic number) -> numpy dtype; multi-byte values are big-endian.
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
IMAGES_MAGIC = 0x00000803  # 2051: unsigned bytes, 3 dimensions (count, rows, columns)
LABELS_MAGIC = 0x00000801  # 2049: unsigned bytes, 1 dimension (count)
GZIP_SIGNATURE = b"\x1f\x8b"


def read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when it starts with the gzip signature (whatever its name)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PipelineError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise PipelineError(f"{path}: is a directory, expected an IDX file") from None
    except OSError as error:
        raise PipelineError(f"{path}: cannot read ({error.strerror or error})") from None
    if not raw.startswith(GZIP_SIGNATURE):
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise PipelineError(f"{path}: truncated gzip file (download it again)") from None
    except (OSError, zlib.error) as error:
        raise PipelineError(f"{path}: damaged gzip file ({error})") from None


def parse_idx(content: bytes, source: str = "<bytes>", expected_magic: int | None = None) -> np.ndarray:
    """The array stored in IDX `content`; `source` names the file in error messages.

    Checks the magic number (against `expected_magic` when given) and that the data is exactly as long
    as the header's sizes say: a short file is truncated, a long one is not the file it claims to be.
    """
    if len(content) < 4:
        raise PipelineError(f"{source}: truncated IDX file ({len(content)} bytes, no complete header)")
    magic = int.from_bytes(content[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise PipelineError(f"{source}: wrong magic number 0x{magic:08x} (expected 0x{expected_magic:08x}); "
                            "not the IDX file this name promises")
    if content[0] != 0 or content[1] != 0 or content[2] not in IDX_TYPES:
        raise PipelineError(f"{source}: not an IDX file (magic number 0x{magic:08x})")
    dtype = IDX_TYPES[content[2]]
    dimensions = content[3]
    header_size = 4 + 4 * dimensions
    if len(content) < header_size:
        raise PipelineError(f"{source}: truncated IDX file (header needs {header_size} bytes, "
                            f"file has {len(content)})")
    shape = tuple(int.from_bytes(content[4 + 4 * i: 8 + 4 * i], "big") for i in range(dimensions))
    expected_size = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) < expected_size:
        raise PipelineError(f"{source}: truncated IDX file (shape {shape} needs {expected_size} bytes, "
                            f"file has {len(content)})")
    if len(content) > expected_size:
        raise PipelineError(f"{source}: {len(content) - expected_size} bytes after the data of shape {shape}; "
                            "not a valid IDX file")
    # Copy so the array owns writable memory in native byte order, not a view into `content`.
    return np.frombuffer(content, dtype=dtype, offset=header_size).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: Path, expected_magic: int | None = None) -> np.ndarray:
    """The array in the IDX file at `path` (gzip-compressed or not)."""
    return parse_idx(read_bytes(path), str(path), expected_magic)


def read_images(path: Path) -> np.ndarray:
    """MNIST-style images: uint8 array (count, rows, columns)."""
    images = read_idx(path, IMAGES_MAGIC)
    if images.shape[1] == 0 or images.shape[2] == 0:
        raise PipelineError(f"{path}: images of size {images.shape[1]}x{images.shape[2]}")
    return images


def read_labels(path: Path) -> np.ndarray:
    """MNIST-style labels: uint8 array (count,)."""
    return read_idx(path, LABELS_MAGIC)
