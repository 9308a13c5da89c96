#!/usr/bin/env python3
"""Sentence lists for the teacher corpus, from WordNet's example sentences.

WordNet glosses end with usage examples in double quotes
(`... | having the means to do something; "she was able to program her computer"`).
This script pulls those examples out of the Debian `wordnet-base` database files,
cleans them (whitespace, quotes, a capital letter and a full stop), keeps sentences of
4-25 words made only of ASCII letters, spaces and ordinary punctuation (no digits or
symbols, so nothing needs normalising and the text frontend reads every one; `ferry data
check` re-checks the generated corpus with the frontend), drops duplicates, and splits them deterministically into
train / val / test by a hash of the sentence (so adding sentences never moves an old
one to another split). The test split is held out of all training. Each file lists its
sentences in a fixed hash order, so its first lines are a varied sample.

Standard library only. Usage:
    python3 scripts/make_sentences.py [--wordnet /usr/share/wordnet] [--out data/sentences]
"""

import argparse
import hashlib
import re
import sys
from pathlib import Path

PARTS = ("noun", "verb", "adj", "adv")
MIN_WORDS, MAX_WORDS = 4, 25
# Per mille of sentences in each held-out split (by hash); the rest is train.
TEST_PER_MILLE, VAL_PER_MILLE = 30, 30

QUOTED = re.compile(r'"([^"]+)"')
# Characters read as written: letters, space and plain punctuation (no digits, so the
# normalized column of metadata.csv equals the text).
ALLOWED = re.compile(r"^[A-Za-z ,.;:!?'\-]+$")
WORD = re.compile(r"[A-Za-z0-9']+")


def examples(wordnet: Path):
    """Yields every quoted example sentence of the gloss field, in file order."""
    for part in PARTS:
        path = wordnet / f"data.{part}"
        with path.open(encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):  # licence header lines
                    continue
                _, _, gloss = line.partition(" | ")
                for m in QUOTED.finditer(gloss):
                    yield m.group(1)


def clean(raw: str):
    """Returns the cleaned sentence, or None when it should not be read aloud."""
    s = " ".join(raw.replace("`", "'").split())
    s = s.strip(" ;,")
    # Examples with ellipses, editorial brackets or a leading dash are fragments.
    if not s or "..." in s or "--" in s or s.startswith(("-", "'")):
        return None
    if not ALLOWED.match(s):
        return None
    if s.count("'") % 2 == 1 and not re.search(r"[A-Za-z]'[A-Za-z]|s' ", s + " "):
        return None
    n_words = len(WORD.findall(s))
    if not MIN_WORDS <= n_words <= MAX_WORDS:
        return None
    s = s[0].upper() + s[1:]
    if s[-1] not in ".!?":
        s += "."
    return s


def split_of(sentence: str) -> str:
    h = int.from_bytes(hashlib.sha1(sentence.lower().encode()).digest()[:4], "big") % 1000
    if h < TEST_PER_MILLE:
        return "test"
    if h < TEST_PER_MILLE + VAL_PER_MILLE:
        return "val"
    return "train"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"),
                    help="directory holding data.noun etc. (Debian package wordnet-base)")
    ap.add_argument("--out", type=Path, default=Path("data/sentences"))
    args = ap.parse_args()
    if not (args.wordnet / "data.noun").exists():
        print(f"make_sentences: {args.wordnet}/data.noun not found; install it with "
              "`apt-get install wordnet-base` or pass --wordnet DIR", file=sys.stderr)
        return 1

    seen, splits, total, rejected = set(), {"train": [], "val": [], "test": []}, 0, 0
    for raw in examples(args.wordnet):
        total += 1
        s = clean(raw)
        if s is None:
            rejected += 1
            continue
        key = s.lower()
        if key in seen:
            continue
        seen.add(key)
        splits[split_of(s)].append(s)

    args.out.mkdir(parents=True, exist_ok=True)
    for name, sentences in splits.items():
        # A fixed pseudo-random order (by hash), so the first N lines of a file are a
        # varied sample rather than an alphabetical run: `make corpus HOURS=0.1` reads them.
        sentences.sort(key=lambda s: hashlib.sha1(("order:" + s).encode()).digest())
        (args.out / f"{name}.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    counts = ", ".join(f"{k} {len(v)}" for k, v in splits.items())
    print(f"make_sentences: {total} examples, {rejected} rejected, {len(seen)} unique kept: {counts}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
