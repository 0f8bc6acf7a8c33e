"""Short audio made by the project itself (the demo's micro-lessons and the tests' files):
a mono 8 kHz, 16-bit WAV (128 kbit/s, under the 4G cap) of gentle tones, written with the
standard library, so nothing is fetched or shipped."""

import io
import math
import struct
import wave

RATE = 8000
# A pentatonic scale: each lesson gets its own little tune from its seed.
NOTES = (262.0, 294.0, 330.0, 392.0, 440.0, 523.0)


def wav_bytes(seconds: float, *, seed: int = 0) -> bytes:
    """A WAV of `seconds` of soft notes, a quarter second each, different for each seed."""
    frames = round(seconds * RATE)
    step = RATE // 4
    samples = bytearray()
    for index in range(frames):
        note = NOTES[(index // step * 7 + seed) % len(NOTES)]
        # A short fade at each note's edges keeps it from clicking.
        within = index % step
        envelope = min(1.0, within / 200, (step - within) / 200)
        value = int(6000 * envelope * math.sin(2 * math.pi * note * index / RATE))
        samples += struct.pack("<h", value)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(samples))
    return buffer.getvalue()
