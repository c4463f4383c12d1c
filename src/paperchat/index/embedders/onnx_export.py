"""Export MiniLM's BERT encoder to a fused (optionally int8) ONNX file, once, at ingest time.

This is the only module of the ONNX embedder that needs torch, transformers and onnx; the
runtime side (`onnx_minilm`) loads the result with onnxruntime alone. The recipe, and
why each step is there (numbers from `bench/encoder.py` on the bundled corpus):

1. torch's TorchScript exporter (`dynamo=False`: the dynamo exporter needs onnxscript)
   traces `BertModel` with eager attention, whose plain MatMul/Softmax graph
   onnxruntime's BERT optimizer can recognise.
2. The optimizer fuses it into EmbedLayerNormalization, Attention, BiasGelu and
   SkipLayerNormalization: about 2.5× faster than the unfused graph, and exact.
3. `quantize_dynamic` turns the weights of each layer's fused Attention node (the QKV
   projection) into int8, signed (with unsigned activations it takes the fast u8s8
   kernels), per output channel, with 7-bit weights (`reduce_range`: on CPUs without
   VNNI, AVX2's u8s8 multiply-add saturates int16 with full-range weights, so the same
   file would be less exact on such a laptop than where it was measured). The dense
   MatMuls (attention output, FFN up and down) stay fp32. Chosen by agreement with fp32
   on 932 queries that are not the eval set (titles as questions, first sentences of
   abstracts), paper-level top-1 / top-10 overlap, and checked on the eval set:

   | quantised                         | top-1 | top-10 | chunks/s | eval dense Δ max |
   |-----------------------------------|-------|--------|----------|------------------|
   | Attention only, 7-bit (this)      | 0.990 | 0.965  | 2.85×    | +0.001           |
   | Attention only, 8-bit             | 0.986 | 0.968  | 2.86×    | -0.010           |
   | FFN up-projection only            | 0.980 | 0.952  | 2.93×    | +0.010           |
   | QKV + attention out + FFN up (v1) | 0.972 | 0.939  | 3.64×    | -0.029           |
   | every MatMul and Attention        | 0.967 | 0.914  | 4.7×     | -0.010           |
   | none (fused fp32)                 | 1     | 1      | 2.49×    | 0                |

   (× = against sentence-transformers fp32 in the same process; eval Δ = the largest
   change of dense hit@1, hit@5, MRR@10 on evals/questions.jsonl, 104 questions, where
   one question moves a hit rate by 0.0096: the last column is mostly noise, which is
   why the choice rests on the agreement columns.)
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

from paperchat.errors import ConfigError

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
QUANTIZED_OPS = ["Attention"]  # see the module doc: the dense MatMuls stay fp32


def export_onnx(model_dir: Path, target: Path, *, quantize: bool = True) -> None:
    """Write the fused (and, by default, quantised) encoder to `target`, atomically."""
    try:
        import onnx  # noqa: F401  (torch's exporter and the quantiser both need it)
        import torch  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"exporting the minilm-onnx model needs torch and onnx ({exc.name} is missing): "
            "pip install onnx, or set PAPERCHAT_EMBED_MODEL=minilm"
        ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        work = Path(tmp)
        _export_fp32(model_dir, work / "fp32.onnx")
        config = json.loads((model_dir / "config.json").read_text())
        _optimize(work / "fp32.onnx", work / "fused.onnx", config)
        if quantize:
            _quantize(work / "fused.onnx", work / "int8.onnx")
        os.replace(work / ("int8.onnx" if quantize else "fused.onnx"), target)


def _export_fp32(model_dir: Path, path: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch
    from transformers import BertModel

    bert = BertModel.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    ).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    sample = torch.ones(2, 16, dtype=torch.long)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about Python bools in HF code
        torch.onnx.export(
            Encoder(),
            (sample, sample, torch.zeros_like(sample)),
            str(path),
            dynamo=False,
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
        )


def _optimize(source: Path, target: Path, config: dict) -> None:
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(
        str(source),
        model_type="bert",
        num_heads=config["num_attention_heads"],
        hidden_size=config["hidden_size"],
        opt_level=0,  # graph fusions only; the session applies its own optimisations
    )
    fused.save_model_to_file(str(target))


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.tools.symbolic_shape_infer import SymbolicShapeInference

    # onnx's own shape inference knows nothing of the fused com.microsoft ops, and the
    # quantiser needs every tensor's type; onnxruntime's symbolic inference knows them.
    model = SymbolicShapeInference.infer_shapes(onnx.load(str(source)), auto_merge=True)
    shaped = source.with_name("shaped.onnx")
    onnx.save(model, str(shaped))
    with _root_logger_untouched():
        quantize_dynamic(
            str(shaped),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            op_types_to_quantize=QUANTIZED_OPS,
        )


@contextmanager
def _root_logger_untouched():
    """The quantiser logs through `logging.warning`, which installs a root handler (and
    then every library's debug chatter reaches stderr); it also advises a pre-processing
    step whose shape inference `_quantize` has done. Keep the process's logging as it was.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    advice = "Please consider to run pre-processing"

    def no_advice(record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(advice)

    root.addFilter(no_advice)
    try:
        yield
    finally:
        root.removeFilter(no_advice)
        root.handlers[:] = handlers
        root.setLevel(level)
