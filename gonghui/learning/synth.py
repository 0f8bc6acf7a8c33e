"""Short audio made by the project itself (the demo's micro-lessons and the tests' files):
a mono 8 kHz WAV of gentle tones, a quarter second a note, written with the standard library,
so nothing is fetched or shipped. 16-bit samples make 128 kbit/s, 8-bit ones 64 kbit/s (the
demo's, half the disk); both are under the 4G cap."""

import io
import math
import struct
import wave
from functools import cache

RATE = 8000
NOTE = RATE // 4
# A pentatonic scale: each lesson gets its own little tune from its seed.
NOTES = (262.0, 294.0, 330.0, 392.0, 440.0, 523.0)


@cache
def _note(frequency: float, width: int) -> bytes:
    """One quarter-second note, faded in and out so that notes meet without a click."""
    samples = []
    for index in range(NOTE):
        envelope = min(1.0, index / 200, (NOTE - index) / 200)
        samples.append(envelope * math.sin(2 * math.pi * frequency * index / RATE))
    if width == 1:
        return bytes(128 + int(40 * value) for value in samples)
    return b"".join(struct.pack("<h", int(6000 * value)) for value in samples)


def wav_bytes(seconds: float, *, seed: int = 0, width: int = 2) -> bytes:
    """A WAV of `seconds` (whole quarter seconds) of notes, a different tune for each seed."""
    count = round(seconds * 4)
    frames = b"".join(_note(NOTES[(n * 7 + seed) % len(NOTES)], width) for n in range(count))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(width)
        out.setframerate(RATE)
        out.writeframes(frames)
    return buffer.getvalue()
