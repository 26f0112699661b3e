"""Writes the tiny test images used by tests/io/test_image.cpp (run with /usr/bin/python3; needs PIL and numpy).

Every lossless image holds the same pattern, pattern(x, y, c) below (tests/io/test_image.cpp recomputes it), on an
odd 7x5 size so row strides are never a multiple of 4:
  gray.png (L), gray_alpha.png (LA), rgb.png, rgba.png, palette.png (P, decodes to RGB), rgb.bmp, rgb.tga, rgba.tga,
  rgb16.png (16-bit RGB: sample = pattern * 256 + 255, so keeping the high byte gives pattern back),
  rgb_pil_L.png (PIL's convert('L') of rgb.png), colors.png (48x48 seeded random RGB) + colors_pil_L.png (its
  convert('L')): the references for our gray conversion.
Lossy and broken files:
  gradient.jpg (32x24 smooth gradient, quality 95) + gradient_pil.png (PIL/libjpeg's decode of it), gray.jpg,
  truncated.png / truncated.jpg (the first half of a valid file), corrupt.png (valid header, zlib stream zeroed),
  garbage.bin (text), empty.png (0 bytes),
  huge_header.png (IHDR 100000x100000 RGB, valid CRCs, no pixel data), zero_size.png (IHDR 0x5),
  big_gray_header.png (IHDR 20000x20000 gray: within stb's own caps, above pixforge's default 2^28-pixel limit).
"""
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
W, H = 7, 5


def pattern(x, y, c):
    return (x * 37 + y * 11 + c * 71 + x * y * 5) % 256


def pattern_image(channels):
    a = np.zeros((H, W, channels), np.uint8)
    for y in range(H):
        for x in range(W):
            for c in range(channels):
                a[y, x, c] = pattern(x, y, c)
    return a


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(width, height, bit_depth, color_type, raw_rows):
    """A minimal PNG writer (filter type 0 on every row) for what PIL cannot write (16-bit RGB, fake headers)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
    if raw_rows is not None:
        out += png_chunk(b"IDAT", zlib.compress(raw_rows, 9))
    return out + png_chunk(b"IEND", b"")


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    rgb = pattern_image(3)
    rgba = pattern_image(4)
    gray = pattern_image(1)[:, :, 0]
    gray_alpha = pattern_image(2)

    Image.fromarray(gray, "L").save(os.path.join(HERE, "gray.png"))
    Image.fromarray(gray_alpha, "LA").save(os.path.join(HERE, "gray_alpha.png"))
    Image.fromarray(rgb, "RGB").save(os.path.join(HERE, "rgb.png"))
    Image.fromarray(rgba, "RGBA").save(os.path.join(HERE, "rgba.png"))
    Image.fromarray(rgb, "RGB").quantize(colors=256, method=Image.Quantize.MAXCOVERAGE).save(
        os.path.join(HERE, "palette.png"))
    Image.fromarray(rgb, "RGB").save(os.path.join(HERE, "rgb.bmp"))
    Image.fromarray(rgb, "RGB").save(os.path.join(HERE, "rgb.tga"))
    Image.fromarray(rgba, "RGBA").save(os.path.join(HERE, "rgba.tga"))
    Image.fromarray(rgb, "RGB").convert("L").save(os.path.join(HERE, "rgb_pil_L.png"))
    colors = np.random.default_rng(7).integers(0, 256, size=(48, 48, 3), dtype=np.uint8)
    Image.fromarray(colors, "RGB").save(os.path.join(HERE, "colors.png"))
    Image.fromarray(colors, "RGB").convert("L").save(os.path.join(HERE, "colors_pil_L.png"))

    # 16-bit RGB, big-endian samples, each row prefixed by filter byte 0.
    rows = b"".join(b"\x00" + (rgb[y].astype(">u2") * 256 + 255).astype(">u2").tobytes()
                    for y in range(H))
    write("rgb16.png", png_bytes(W, H, 16, 2, rows))

    # JPEG: a smooth gradient (so quality 95 stays within a few LSB) and its libjpeg decode as the reference.
    gy, gx = np.mgrid[0:24, 0:32]
    grad = np.stack([gx * 7, gy * 9, 255 - gx * 4 - gy * 3], axis=-1).clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(grad, "RGB").save(buf, "JPEG", quality=95)
    jpg = buf.getvalue()
    write("gradient.jpg", jpg)
    Image.open(io.BytesIO(jpg)).convert("RGB").save(os.path.join(HERE, "gradient_pil.png"))
    buf = io.BytesIO()
    Image.fromarray(grad[:, :, 1], "L").save(buf, "JPEG", quality=90)
    write("gray.jpg", buf.getvalue())

    # Broken files.
    with open(os.path.join(HERE, "rgb.png"), "rb") as f:
        good_png = f.read()
    write("truncated.png", good_png[: len(good_png) // 2])
    write("truncated.jpg", jpg[: len(jpg) // 2])
    corrupt_rows = bytes(len(zlib.compress(b"\x00" * (H * (1 + 3 * W)), 9)))  # right length, all zeros: bad zlib
    ihdr = struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)
    write("corrupt.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", corrupt_rows)
          + png_chunk(b"IEND", b""))
    write("garbage.bin", b"this is not an image, just some text pretending to be one\n")
    write("empty.png", b"")
    write("huge_header.png", png_bytes(100000, 100000, 8, 2, None))
    write("zero_size.png", png_bytes(0, 5, 8, 2, b"\x00" * 5))
    write("big_gray_header.png", png_bytes(20000, 20000, 8, 0, b"\x00" * 64))
    print("wrote test images to", os.path.relpath(HERE))


if __name__ == "__main__":
    main()
