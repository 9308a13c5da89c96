"""Drives `ferry serve --wyoming-port` with the `wyoming` package's own client
(`AsyncTcpClient`, its event classes and its reader), the way Home Assistant does.

usage: wyoming_client.py HOST PORT VOICE TEXT OUT_DIR CHUNK...
Writes the PCM it receives to OUT_DIR (synthesize.pcm, stream.pcm, stream_whole.pcm) and
prints one JSON object of what it saw (the Rust test, tests/serve_wyoming.rs, asserts on
it). Every read has a timeout, so a server that never answers fails the script."""

import asyncio
import json
import os
import sys

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

READ_TIMEOUT = 300

host, port, voice, text, out_dir = sys.argv[1:6]
port = int(port)
chunks = sys.argv[6:]


def client():
    return AsyncTcpClient(host, port, connect_timeout=30, read_timeout=READ_TIMEOUT)


async def read_until(c, is_last):
    """Events up to and including the first for which `is_last` holds."""
    events = []
    while True:
        event = await c.read_event()
        if event is None:
            raise RuntimeError(f"the server closed the connection after {[e.type for e in events]}")
        events.append(event)
        if is_last(event):
            return events


def audio_report(events, name):
    """Groups of audio (audio-start ... audio-stop), their formats, and the PCM (saved)."""
    groups, pcm, formats, other = [], bytearray(), set(), []
    for e in events:
        if AudioStart.is_type(e.type):
            s = AudioStart.from_event(e)
            formats.add(("start", s.rate, s.width, s.channels))
            groups.append({"chunks": 0, "bytes": 0, "stopped": False})
        elif AudioChunk.is_type(e.type):
            c = AudioChunk.from_event(e)
            formats.add(("chunk", c.rate, c.width, c.channels))
            if not groups or groups[-1]["stopped"]:
                other.append("audio-chunk outside audio-start/audio-stop")
                continue
            groups[-1]["chunks"] += 1
            groups[-1]["bytes"] += len(c.audio)
            pcm.extend(c.audio)
        elif AudioStop.is_type(e.type):
            if not groups or groups[-1]["stopped"]:
                other.append("audio-stop without audio-start")
            else:
                groups[-1]["stopped"] = True
        else:
            other.append(e.type if not Error.is_type(e.type) else f"error {Error.from_event(e).code}")
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(pcm)
    return {"groups": groups, "formats": sorted(formats), "other": other, "bytes": len(pcm), "last": events[-1].type}


async def describe():
    async with client() as c:
        await c.write_event(Describe().event())
        events = await read_until(c, lambda e: Info.is_type(e.type))
    info = Info.from_event(events[-1])
    tts = info.tts[0]
    v = tts.voices[0]
    return {
        "programs": len(info.tts),
        "name": tts.name,
        "description": tts.description,
        "attribution": [tts.attribution.name, tts.attribution.url],
        "installed": tts.installed,
        "version": tts.version,
        "streaming": tts.supports_synthesize_streaming,
        "voices": [x.name for x in tts.voices],
        "voice": {
            "name": v.name,
            "languages": v.languages,
            "installed": v.installed,
            "description": v.description,
            "attribution": v.attribution.name,
            "version": v.version,
            "speakers": v.speakers,
        },
        "raw_keys": sorted(events[-1].data),
    }


async def synthesize(words, name):
    """A plain synthesize, as Home Assistant sends it without streaming."""
    async with client() as c:
        await c.write_event(Synthesize(text=words, voice=SynthesizeVoice(name=voice)).event())
        events = await read_until(c, lambda e: AudioStop.is_type(e.type) or Error.is_type(e.type))
    return audio_report(events, name)


async def stream():
    """synthesize-start, the first chunk, then wait for its first sentence's audio before
    sending the rest (a server that only spoke at synthesize-stop would time out here);
    then the whole text as a plain synthesize (Home Assistant's copy for older servers),
    synthesize-stop, and everything up to synthesize-stopped."""
    selected = SynthesizeVoice(name=voice)
    async with client() as c:
        await c.write_event(SynthesizeStart(voice=selected).event())
        await c.write_event(SynthesizeChunk(text=chunks[0]).event())
        events = await read_until(c, lambda e: AudioStop.is_type(e.type))
        before_rest = sum(1 for e in events if AudioStart.is_type(e.type))
        for piece in chunks[1:]:
            await c.write_event(SynthesizeChunk(text=piece).event())
        await c.write_event(Synthesize(text="".join(chunks), voice=selected).event())
        await c.write_event(SynthesizeStop().event())
        events += await read_until(c, lambda e: SynthesizeStopped.is_type(e.type))
    report = audio_report(events, "stream.pcm")
    report["groups_before_rest"] = before_rest
    return report


async def refusals():
    """Bad requests on one connection: each an error event, and the connection still
    serves a good request afterwards."""
    out = {}
    async with client() as c:

        async def ask(key, event):
            await c.write_event(event)
            e = (await read_until(c, lambda e: True))[0]
            out[key] = {"type": e.type, **(e.data if Error.is_type(e.type) else {})}

        await ask("unknown_voice", Synthesize(text="Hello.", voice=SynthesizeVoice(name="nobody")).event())
        await ask("path_voice", Synthesize(text="Hello.", voice=SynthesizeVoice(name="../t")).event())
        await ask("empty", Synthesize(text="").event())
        await ask("blank", Synthesize(text="  \n ").event())
        await ask("too_long", Synthesize(text="word " * 1000).event())
        await ask("bad_ssml", Synthesize(text="<speak>Hello <prosody rate='fast'>there</speak>").event())
        await ask("unknown_event", Event(type="transcribe", data={"language": "en"}))
        await ask("missing_text", Event(type="synthesize", data={"voice": {"name": voice}}))
        await ask("chunk_outside_stream", SynthesizeChunk(text="Hi.").event())
        await ask("other_program", Event(type="select-program", data={"name": "piper"}))
        await c.write_event(Ping(text="still there?").event())
        pong = (await read_until(c, lambda e: True))[0]
        out["pong"] = Pong.from_event(pong).text if Pong.is_type(pong.type) else pong.type
        # A stream refused at its start still ends with synthesize-stopped.
        await c.write_event(SynthesizeStart(voice=SynthesizeVoice(name="nobody")).event())
        await c.write_event(SynthesizeChunk(text="Never spoken. At all.").event())
        await c.write_event(SynthesizeStop().event())
        events = await read_until(c, lambda e: SynthesizeStopped.is_type(e.type))
        out["refused_stream"] = [e.data.get("code", e.type) for e in events]
        # The same connection still speaks.
        await c.write_event(Synthesize(text="Still here.", voice=SynthesizeVoice(name=voice)).event())
        out["after"] = audio_report(await read_until(c, lambda e: AudioStop.is_type(e.type)), "after.pcm")
    return out


async def raw(lines, data=b""):
    """Writes raw bytes, then reads events with the package's reader until the server
    closes or answers a describe."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(lines + data)
    await writer.drain()
    seen = []
    try:
        while True:
            e = await asyncio.wait_for(async_read_event(reader), READ_TIMEOUT)
            if e is None:
                seen.append("closed")
                break
            seen.append(e.data.get("code", e.type) if Error.is_type(e.type) else e.type)
            if Info.is_type(e.type):
                break
    finally:
        writer.close()
    return seen


async def malformed():
    """Garbage on one connection (answered, then a describe on it still works); a length
    far over the limit on another (answered, then closed); then a fresh client."""
    out = {}
    describe_line = b'{"type": "describe"}\n'
    out["garbage_then_describe"] = await raw(b"this is not json\n{\"data\": {}}\n\xff\xfe\n" + describe_line)
    out["huge_data_length"] = await raw(b'{"type": "synthesize", "data_length": 1000000000}\n')
    out["huge_payload_length"] = await raw(b'{"type": "synthesize", "payload_length": 1000000000}\n')
    out["bad_data"] = await raw(b'{"type": "synthesize", "data_length": 5}\n', b"nope!" + describe_line)
    out["after"] = (await describe())["name"]
    return out


async def main():
    report = {"describe": await describe()}
    report["synthesize"] = await synthesize(text, "synthesize.pcm")
    report["stream"] = await stream()
    report["stream_whole"] = await synthesize("".join(chunks), "stream_whole.pcm")
    report["refusals"] = await refusals()
    report["malformed"] = await malformed()
    print(json.dumps(report))


asyncio.run(main())
