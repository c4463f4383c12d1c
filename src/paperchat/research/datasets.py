"""Dataset and benchmark names: read from one abstract, and known across the corpus.

An abstract names its data in a few ways, which this module reads:

- a dataset word with a list after it: "datasets including Cityscapes, ADE20K and
  PASCAL-VOC", "on the three public datasets, i.e., FashionIQ, Fashion200k, and Shoes";
- a list before a dataset word: "on the CIFAR-10, CIFAR-100 and ImageNet 2012 datasets",
  "the well-established MVTec AD dataset";
- a list after "on", "in" or "across" in a sentence about experiments or results
  ("Experiments on Flickr-30K and MS-COCO show ..."); here a plain capitalised word is
  not enough: an item must look like a name (a digit, an inner capital, three or more
  capitals) or be a name the corpus knows.

The names the corpus knows (`KnownDatasets`) are those the first two patterns find in
any abstract of the index version, plus well-known benchmarks that some abstract spells
exactly; a paper that writes "73.9% ImageNet top-1 accuracy" then names ImageNet too.
Model families (ResNet-50, ViT, BERT), metrics (FID, AUROC) and the paper's own method
names are never data.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from paperchat.research.spans import Sentence

_CUE = r"(?:data\s?sets?|datasets?|benchmarks?|corpora|corpus|suites?)"
_CUE_WORD = re.compile(rf"\b{_CUE}\b", re.I)
_TOKEN = r"[A-Z0-9][\w.+^/@']*(?:-[\w.+^/@']+)*"
_INNER = r"[a-z]+[A-Z][\w.+^/@']*(?:-[\w.+^/@']+)*"
# An item: a token that starts with a capital or a digit, or has a capital inside
# ("miniImageNet"), then more tokens that start with a capital or a digit ("VOC 2012").
_ITEM = rf"(?:{_TOKEN}|{_INNER})(?:\s{_TOKEN})*"
_SEP = r"(?:,\s(?:and\s|or\s)?|\sand\s|\sor\s|\s&\s)"
_LIST = rf"{_ITEM}(?:{_SEP}{_ITEM})*"
_CONNECTOR = r"(?:including|such as|like|namely|e\.g\.,?|i\.e\.,?)"
_AFTER_CUE = re.compile(rf"\b{_CUE}\b(?:\s\(|[^.;:]{{0,60}}?{_CONNECTOR}\s|,\s|:\s|\s)({_LIST})")
_BEFORE_CUE = re.compile(rf"(?<![\w-])({_LIST})\s{_CUE}\b")
_AFTER_ON = re.compile(rf"\b(?:on|in|across|over|from)\s(?:the\s)?({_LIST})")
_EXPERIMENT = re.compile(
    r"\b(?:experiment|evaluat|benchmark|dataset|result|achiev|outperform|surpass|accuracy|"
    r"improv|state-of-the-art|sota|train(?:ed|ing)? on|test(?:ed)? on|fine-tun)",
    re.I,
)
_ITEM_RE = re.compile(_ITEM)
_SPLIT = re.compile(_SEP)


def _names(text: str) -> tuple[str, ...]:
    """Names written one after another, separated by commas."""
    return tuple(n.strip() for n in text.split(",") if n.strip())


# Names of model families, metrics and words that a list of data can run into.
_NOT_DATA_PREFIX = _names(
    """ResNet, ResNeXt, Wide-ResNet, WRN, VGG, ViT, DeiT, Swin, BERT, RoBERTa, DeBERTa, GPT,
    LLaMA, Llama, T5, CLIP, DINO, MAE, U-Net, UNet, DeepLab, PSPNet, FCN, MLP, GCN, GAT, GNN,
    GIN, LSTM, RNN, CNN, Transformer, DiT, SAM, EfficientNet, MobileNet, Inception, DenseNet,
    ConvNeXt, Mistral, Qwen, Vicuna, PaLM, OPT, Mixtral, Gemma, Stable Diffusion, SDXL, DDPM,
    DDIM, SimCLR, MoCo, BYOL, YOLO, Faster R-CNN, Mask R-CNN, R-CNN, LoRA, Adam, SGD, FID,
    AUROC, AUC, AUPR, BLEU, ROUGE, mIoU, IoU, PSNR, SSIM, LPIPS, F1, Top-1, Top-5, SOTA,
    SI-SNR, SDR, NDCG, MRR, MAP, RMSE, MSE, MAE"""
)
_NOT_DATA = frozenset(
    _names(
        """A, An, The, This, These, Our, We, It, In, On, For, With, From, To, Experiments,
        Extensive, Results, Empirically, Specifically, Moreover, Furthermore, Finally,
        However, Code, I, II, III, IV, Many, All, Both, Each, Several, Most, Some, X-ray,
        LiDAR, RGB, RGB-D, CT, MRI, 2D, 3D, 4D"""
    )
)
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*)\)")
# Benchmarks well known enough to count wherever an abstract spells them exactly.
WELL_KNOWN = _names(
    """ImageNet, ImageNet-1K, ImageNet-1k, ImageNet-21K, ImageNet-22K, ImageNet-R,
    ImageNet-A, ImageNet-C, ImageNet-V2, Tiny-ImageNet, Mini-ImageNet, miniImageNet,
    CIFAR-10, CIFAR-100, CIFAR10, CIFAR100, CIFAR-10/100, MNIST, Fashion-MNIST, SVHN, STL-10,
    COCO, MS-COCO, MSCOCO, MS COCO, PASCAL VOC, Pascal VOC, Cityscapes, ADE20K, KITTI,
    CelebA, CelebA-HQ, FFHQ, LSUN, Places365, Places205, CUB-200, Flickr30K, Flickr-30K,
    GLUE, SuperGLUE, SQuAD, WikiText-103, LibriSpeech, WSJ0-2mix, AudioSet, AudioCaps,
    Kinetics-400, UCF101, HMDB51, ShapeNet, ModelNet40, ScanNet, Clothing1M, WebVision,
    ANIMAL-10N, DomainBed, PACS, VLCS, OfficeHome, Office-Home, Office-31, DomainNet,
    TerraIncognita, MVTec AD, MovieLens, Criteo, GSM8K, HumanEval, MMLU, BIG-Bench, Cora,
    Citeseer, CiteSeer, PubMed, OGB, MedMNIST, LAION-5B"""
)


def _alternation(names: Iterable[str]) -> re.Pattern:
    """One pattern matching any of the names as a whole word, the longest first."""
    longest_first = sorted(set(names), key=len, reverse=True)
    return re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(n) for n in longest_first) + r")(?![\w]|-\w)"
    )


def _items(text: str) -> list[tuple[int, int]]:
    """(start, end) of each item of a list (offsets into `text`)."""
    found, position = [], 0
    for piece in _SPLIT.split(text):
        at = text.find(piece, position)
        start = at
        while True:  # "Our MVTec AD" names MVTec AD
            head, _, rest = text[start : at + len(piece)].partition(" ")
            if head in _NOT_DATA and rest:
                start += len(head) + 1
            else:
                break
        if _ITEM_RE.fullmatch(text[start : at + len(piece)]):
            found.append((start, at + len(piece)))
        position = at + len(piece)
    return found


def _strip_trailing(text: str, start: int, end: int) -> tuple[int, int]:
    """An item ends before a closing bracket or apostrophe-s that came along with it."""
    piece = text[start:end]
    for tail in ("'s", "’s"):
        if piece.endswith(tail):
            end -= len(tail)
    while end > start and text[end - 1] in ".)'/":
        end -= 1
    return start, end


def defined_terms(abstract: str) -> set[str]:
    """Acronyms the abstract defines for a concept or method: "domain generalization
    (DG)", "Masked Image Modeling (MIM)" — not "a noise prompt dataset (NPD)"."""
    terms = set()
    for match in _ACRONYM.finditer(abstract):
        before = abstract[max(0, match.start() - 80) : match.start()].split()
        if not before or _CUE_WORD.fullmatch(before[-1]):
            continue
        initials = {w[0].lower() for w in before[-6:] for w in w.split("-") if w}
        if before[-1][:1].islower() or match.group(1)[0].lower() in initials:
            terms.add(match.group(1))
    return terms


def is_data_name(name: str, *, exclude: Iterable[str] = ()) -> bool:
    """Whether `name` can be a dataset's name at all (not a model, metric or plain word)."""
    if not name or name in _NOT_DATA or len(name) < 2:
        return False
    if any(name == p or name.startswith((p + "-", p + " ")) for p in _NOT_DATA_PREFIX):
        return False
    if any(name == e or e.startswith(name) for e in exclude):
        return False
    if name.isdigit() or re.fullmatch(r"[\d.,%x×]+", name):
        return False
    if re.fullmatch(r"[A-Z]{2,5}s", name):
        return False  # "CPUs", "LLMs": kinds of hardware or model
    if name[0].isdigit() and not any(c.isupper() for c in name):
        return False  # "2-step", "3-shot"
    return bool(re.search(r"[A-Za-z]{2}", name))  # "A/B" is not a name


def is_written_as_a_name(name: str) -> bool:
    """A name as a list of data writes it ("COCO-Stuff 164K"), and one that can be data:
    what a proposed data cell must be."""
    return bool(_ITEM_RE.fullmatch(name)) and is_data_name(name)


def looks_like_a_name(name: str) -> bool:
    """A digit, an inner capital, or three capitals: "CIFAR-10", "FashionIQ", "SVHN"."""
    letters = [c for c in name if c.isalpha()]
    return (
        any(c.isdigit() for c in name)
        or any(c.isupper() for c in name[1:])
        or sum(c.isupper() for c in letters) >= 3
    )


@dataclass(frozen=True)
class Found:
    sentence: Sentence
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.sentence.text[self.start : self.end]


def _listed(sentence: Sentence, pattern: re.Pattern, group: int = 1) -> list[Found]:
    found = []
    for match in pattern.finditer(sentence.text):
        base = match.start(group)
        for start, end in _items(match.group(group)):
            start, end = _strip_trailing(sentence.text, base + start, base + end)
            if end > start:
                found.append(Found(sentence, start, end))
    return found


def named_by_pattern(sentences: Sequence[Sentence]) -> list[Found]:
    """Items of the lists next to a dataset word (the strong patterns)."""
    found: list[Found] = []
    for sentence in sentences:
        if not _CUE_WORD.search(sentence.text):
            continue
        found += _listed(sentence, _AFTER_CUE)
        found += _listed(sentence, _BEFORE_CUE)
    return found


class KnownDatasets:
    """The dataset names of one index version: what the strong patterns find in any
    abstract, and the well-known benchmarks some abstract spells exactly."""

    def __init__(self, names: Iterable[str]):
        self.names = frozenset(n for n in names if is_data_name(n))
        self._pattern = _alternation(self.names) if self.names else None

    @classmethod
    def from_abstracts(cls, abstracts: Iterable[tuple[str, Sequence[str]]]) -> KnownDatasets:
        """From (abstract, its sentences) pairs, read one at a time (they can be a
        stream: no abstract is kept once read)."""
        names: set[str] = set()
        spelled = _alternation(WELL_KNOWN)
        for abstract, sentences in abstracts:
            defined = defined_terms(abstract)
            for item in named_by_pattern(sentences_with_offsets(abstract, sentences)):
                if len(item.text) > 2 and looks_like_a_name(item.text) and item.text not in defined:
                    names.add(item.text)
            names.update(m.group(1) for m in spelled.finditer(abstract))
        return cls(names)

    def occurrences(self, sentence: Sentence) -> list[Found]:
        if self._pattern is None:
            return []
        return [
            Found(sentence, m.start(1), m.end(1)) for m in self._pattern.finditer(sentence.text)
        ]


def sentences_with_offsets(abstract: str, sentences: Sequence[str]) -> list[Sentence]:
    from paperchat.research.spans import sentences_of

    return sentences_of(abstract, sentences, ["other"] * len(sentences))


def dataset_names(
    sentences: Sequence[Sentence], known: KnownDatasets, *, exclude: Iterable[str] = ()
) -> list[Found]:
    """Every distinct dataset name the abstract uses, in reading order (first use)."""
    exclude = tuple(exclude)
    abstract_terms = defined_terms(" ".join(s.text for s in sentences))
    candidates = named_by_pattern(sentences)
    for sentence in sentences:
        if _EXPERIMENT.search(sentence.text):
            candidates += [
                f
                for f in _listed(sentence, _AFTER_ON)
                if looks_like_a_name(f.text) or f.text in known.names
            ]
        candidates += known.occurrences(sentence)
    kept: dict[str, Found] = {}
    for item in sorted(candidates, key=lambda f: (f.sentence.index, f.start, -f.end)):
        name = item.text
        if name in abstract_terms or not is_data_name(name, exclude=exclude):
            continue
        if any(
            k.sentence.index == item.sentence.index and k.start <= item.start < k.end
            for k in kept.values()
        ):
            continue  # inside a longer name found already ("COCO" in "COCO-Stuff 10K")
        kept.setdefault(name, item)
    names = list(kept)
    return [
        f for n, f in kept.items() if not any(o != n and o.startswith(n + " ") for o in names)
    ]  # "PASCAL" is part of "PASCAL VOC"


def _inside(item: Found, other: Found) -> bool:
    return item.sentence.index == other.sentence.index and other.start <= item.start < other.end


def mentions_data(sentences: Sequence[Sentence]) -> bool:
    return any(_CUE_WORD.search(s.text) for s in sentences)


_known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_known_lock = threading.Lock()


def known_datasets(evidence) -> KnownDatasets:
    """The KnownDatasets of an index version's Evidence, computed on first use and kept
    as long as that version is in use (a new version gets its own)."""
    with _known_lock:
        found = _known.get(evidence)
    if found is not None:
        return found
    from paperchat.text.sentences import split_sentences

    found = KnownDatasets.from_abstracts(
        (p.abstract, split_sentences(p.abstract)) for p in evidence.papers.values()
    )
    with _known_lock:
        _known[evidence] = found
    return found
