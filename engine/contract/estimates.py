"""Predict peak GPU memory and training speed before Start (standard library only).

The GUI's fit badges, the dial (`presets.py`) and the pre-Start estimate all use these
functions, so they must be cheap, pure and explainable.

Peak memory (what `torch.cuda.max_memory_allocated()` reports; the CUDA context is extra)::

    peak = quantized + dense + lora + checkpoints + max(loss phase, layer phase)

- quantized: every linear layer of the decoder in NF4: 0.5 byte a weight, plus one absmax a
  block of 64 weights; with double quantization that absmax is 8-bit plus one fp32 a block of
  256 absmax values (0.5157 byte a weight), without it an fp32 absmax (0.5625 byte a weight).
- dense: embeddings, an untied lm_head and the norms stay unquantized: 2 bytes a weight in
  bf16, 4 bytes when `prepare_model_for_kbit_training` up-casts them to fp32 (the baseline).
- lora: rank x (in + out) for every linear layer; fp32 weight (4) + fp32 grad (4) + the two
  8-bit AdamW states (2) = 10 bytes a parameter.
- checkpoints: each checkpointed layer's input, T x hidden values, 2 bytes (bf16 residual
  stream) or 4 (fp32, when the embeddings were up-cast).
- layer phase: what one decoder layer keeps for backward, per token
  `K_HIDDEN x hidden + K_INTERMEDIATE x intermediate` bytes (x `UNFUSED_ACTIVATIONS`
  without fused kernels), for every layer not checkpointed, plus one recomputed layer
  (times `BACKWARD_TRANSIENT` for the gradients it makes) when any layer is checkpointed.
  Checkpointing only some layers (selective recomputation) trades memory for speed.
- loss phase: materialised logits cost T x vocab x 16 bytes at the start of backward (the
  logits, log-softmax, its gradient and the logits' gradient: four fp32-sized copies); a
  chunked or fused cross-entropy keeps only a chunk of logits (and its gradient) plus the
  hidden-state gradient.

T = micro-batch x sequence length (for padded batches: x the longest row).

Calibration (docs/performance.md, NVIDIA H200): `K_HIDDEN` and `K_INTERMEDIATE` are
solved exactly from the two "C" figures (no checkpointing, bf16 frozen weights: 1B 18.0 GiB,
8B 68.4 GiB, T = 8,192); `BACKWARD_TRANSIENT` from the two "B" figures (1B 2.9, 8B 10.1).
The baseline's four figures (packed 18.3 / 27.3, padded 26.1 / 36.5 with the longest row at
the 1,500-token clip) are then predicted within 1% without further fitting; tests check it.
Those B and C figures used Liger's RMSNorm / SwiGLU / RoPE kernels; plain transformers
modules keep more for backward: `UNFUSED_ACTIVATIONS` is the ratio measured on the CPU by
`bench/activation_probe.py` (158,280 against 138,772 bytes a token and layer
at the 1B width, the engine's own loading path, bitsandbytes 0.50 CPU kernels).

Speed::

    tokens/s = efficiency x peak bf16 FLOP/s / FLOPs a token
    FLOPs a token = passes x (2 x matmul parameters + 4 x layers x attention width x context)

with passes = 2 (forward, backward to activations: the frozen 4-bit weights need no weight
gradients) plus the share of layers recomputed under (selective) gradient checkpointing, and context = half the
sequence length (causal). `efficiency` is read from the H200 figures for the plain baseline
("A") and for the engine ("B" with checkpointing, "C" without: the Headroom rows, until the
engine's own figures replace them), interpolated in log(matmul parameters) between the 1B and
8B shapes and held flat outside. Other GPU classes reuse those efficiencies with their own
datasheet peak (dense bf16 tensor FLOP/s, fp32 accumulate). The CPU class is calibrated on a
2-core CPU with the demo model, SmolLM2-135M (`CPU_TOKENS_PER_SECOND`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Literal

GIB = 2**30

NF4_BYTES_DOUBLE_QUANT = 0.5 + 1 / 64 + 4 / (64 * 256)
NF4_BYTES_SINGLE_QUANT = 0.5 + 4 / 64
LORA_BYTES_PER_PARAM = 4 + 4 + 2
K_HIDDEN = 27.32
K_INTERMEDIATE = 10.11
BACKWARD_TRANSIENT = 1.25
UNFUSED_ACTIVATIONS = 1.14
FULL_LOGITS_BYTES = 16
LOSS_CHUNK_TOKENS = 1024
CUDA_CONTEXT_GIB = 0.6

LossMode = Literal["full", "chunked"]
# What the training loop does: engine/train/losses.summed_loss computes its loss with
# engine.fast.loss.summed_loss_fused, so full-vocabulary logits never exist at once.
ENGINE_LOSS: LossMode = "chunked"
Implementation = Literal["baseline", "engine"]
Badge = Literal["fits", "tight", "too big", "needs an NVIDIA GPU"]


@dataclass(frozen=True)
class ModelShape:
    """The architecture numbers a memory and speed estimate needs (a Llama-like decoder)."""

    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    vocab: int
    tied_embeddings: bool = False
    head_dim: int = 0
    parameters: int = 0

    def __post_init__(self) -> None:
        numbers = (self.layers, self.hidden, self.intermediate, self.heads, self.kv_heads)
        if min(*numbers, self.vocab) <= 0:
            raise ValueError("A model shape needs positive layer, width, head and vocab counts.")
        if self.heads % self.kv_heads:
            raise ValueError("Attention heads must be a multiple of key/value heads.")

    @property
    def dim_per_head(self) -> int:
        return self.head_dim or self.hidden // self.heads

    @property
    def attention_width(self) -> int:
        return self.heads * self.dim_per_head

    @property
    def kv_width(self) -> int:
        return self.kv_heads * self.dim_per_head

    @property
    def linear_parameters(self) -> int:
        """Weights of the decoder's linear layers (those quantized to 4 bits)."""
        h, a, kv, i = self.hidden, self.attention_width, self.kv_width, self.intermediate
        return self.layers * (2 * h * a + 2 * h * kv + 3 * h * i)

    @property
    def dense_parameters(self) -> int:
        """Weights kept unquantized: embeddings, an untied lm_head, the norms."""
        heads = 1 if self.tied_embeddings else 2
        return heads * self.vocab * self.hidden + (2 * self.layers + 1) * self.hidden

    @property
    def total_parameters(self) -> int:
        return self.parameters or self.linear_parameters + self.dense_parameters

    @property
    def matmul_parameters(self) -> int:
        """Weights multiplied for each token: the linear layers and the lm_head."""
        return self.linear_parameters + self.vocab * self.hidden

    def lora_parameters(self, rank: int) -> int:
        """LoRA on all linear layers: rank x (inputs + outputs) for each."""
        h, a, kv, i = self.hidden, self.attention_width, self.kv_width, self.intermediate
        per_layer = (h + a) + 2 * (h + kv) + (a + h) + 2 * (h + i) + (i + h)
        return rank * self.layers * per_layer


# The two shapes docs/performance.md measured (random weights in these shapes).
LLAMA_3_2_1B = ModelShape(
    layers=16, hidden=2048, intermediate=8192, heads=32, kv_heads=8, vocab=128256,
    tied_embeddings=True,
)  # fmt: skip
LLAMA_3_1_8B = ModelShape(
    layers=32, hidden=4096, intermediate=14336, heads=32, kv_heads=8, vocab=128256,
)  # fmt: skip
# The offline demo model (engine/demo.py): SmolLM2-135M-Instruct.
DEMO_SHAPE = ModelShape(
    layers=30, hidden=576, intermediate=1536, heads=9, kv_heads=3, vocab=49152,
    tied_embeddings=True, head_dim=64,
)  # fmt: skip
# The tiny random test model (engine/tiny_test_model.py); its vocabulary is at most this size.
TINY_TEST_SHAPE = ModelShape(
    layers=2, hidden=128, intermediate=384, heads=4, kv_heads=4, vocab=2048, tied_embeddings=True
)


@dataclass(frozen=True)
class TrainPlan:
    """How a model is trained, as far as memory and speed are concerned."""

    sequence_length: int = 2048
    micro_batch: int = 1
    lora_rank: int = 16
    gradient_checkpointing: bool = True
    loss: LossMode = ENGINE_LOSS
    upcast_frozen: bool = False
    double_quant: bool = True
    fused_kernels: bool = False
    checkpointed_layers: int | None = None  # with checkpointing, how many layers (None: all)

    @property
    def tokens(self) -> int:
        return self.sequence_length * self.micro_batch

    def recomputed(self, model: ModelShape) -> int:
        """How many decoder layers recompute their activations in backward."""
        if not self.gradient_checkpointing:
            return 0
        if self.checkpointed_layers is None:
            return model.layers
        return max(0, min(model.layers, self.checkpointed_layers))


@dataclass(frozen=True)
class MemoryEstimate:
    """Predicted peak GPU memory, in GiB, with its parts (shown in the Advanced section)."""

    quantized: float
    dense: float
    lora: float
    checkpoints: float
    layer_phase: float
    loss_phase: float

    @property
    def total(self) -> float:
        fixed = self.quantized + self.dense + self.lora + self.checkpoints
        return fixed + max(self.layer_phase, self.loss_phase)


def estimate_memory(model: ModelShape, plan: TrainPlan) -> MemoryEstimate:
    """The parts of the peak memory formula in the module docstring."""
    tokens = plan.tokens
    nf4 = NF4_BYTES_DOUBLE_QUANT if plan.double_quant else NF4_BYTES_SINGLE_QUANT
    frozen_bytes = 4 if plan.upcast_frozen else 2
    layer = (K_HIDDEN * model.hidden + K_INTERMEDIATE * model.intermediate) * tokens
    if not plan.fused_kernels:
        layer *= UNFUSED_ACTIVATIONS
    recomputed = plan.recomputed(model)
    checkpoints = recomputed * tokens * model.hidden * frozen_bytes
    layer_phase = layer * (model.layers - recomputed)
    if recomputed:
        layer_phase += layer * BACKWARD_TRANSIENT
    if plan.loss == "full":
        loss_phase = tokens * model.vocab * FULL_LOGITS_BYTES
    else:
        chunk = min(tokens, LOSS_CHUNK_TOKENS)
        loss_phase = chunk * model.vocab * 4 * 2 + tokens * model.hidden * 4
    return MemoryEstimate(
        quantized=model.linear_parameters * nf4 / GIB,
        dense=model.dense_parameters * frozen_bytes / GIB,
        lora=model.lora_parameters(plan.lora_rank) * LORA_BYTES_PER_PARAM / GIB,
        checkpoints=checkpoints / GIB,
        layer_phase=layer_phase / GIB,
        loss_phase=loss_phase / GIB,
    )


def peak_memory_gib(model: ModelShape, plan: TrainPlan) -> float:
    """Predicted `torch.cuda.max_memory_allocated()` for one training step, in GiB."""
    return estimate_memory(model, plan).total


def weights_gib(model: ModelShape, double_quant: bool = True) -> float:
    """Memory of the loaded 4-bit model alone (bf16 embeddings and norms), in GiB."""
    nf4 = NF4_BYTES_DOUBLE_QUANT if double_quant else NF4_BYTES_SINGLE_QUANT
    return (model.linear_parameters * nf4 + model.dense_parameters * 2) / GIB


@dataclass(frozen=True)
class GpuClass:
    """A kind of accelerator: its dense bf16 peak (TFLOP/s) and a note on the source."""

    name: str
    bf16_tflops: float
    memory_gib: float
    source: str


# Datasheet dense (not sparse) bf16/fp16 tensor throughput with fp32 accumulate.
GPU_CLASSES: dict[str, GpuClass] = {
    gpu.name: gpu
    for gpu in (
        GpuClass("H200", 989.0, 141.0, "NVIDIA H200 SXM datasheet"),
        GpuClass("H100", 989.0, 80.0, "NVIDIA H100 SXM datasheet"),
        GpuClass("H100 PCIe", 756.0, 80.0, "NVIDIA H100 PCIe datasheet"),
        GpuClass("A100", 312.0, 80.0, "NVIDIA A100 datasheet"),
        GpuClass("L40S", 362.0, 48.0, "NVIDIA L40S datasheet"),
        GpuClass("A10", 125.0, 24.0, "NVIDIA A10 datasheet"),
        GpuClass("L4", 121.0, 24.0, "NVIDIA L4 datasheet"),
        GpuClass("RTX 4090", 165.2, 24.0, "Ada Lovelace whitepaper (fp32 accumulate)"),
        GpuClass("RTX 3090", 71.0, 24.0, "Ampere GA102 whitepaper (fp32 accumulate)"),
        GpuClass("T4", 65.0, 16.0, "NVIDIA T4 datasheet (fp16; no bf16)"),
        # CPU: not a datasheet figure but an effective rate, see CPU_TOKENS_PER_SECOND.
        GpuClass("CPU", 0.0, 0.0, "measured on a 2-core CPU with the demo model (SmolLM2-135M)"),
    )
}

# A GPU this table does not know is taken to be like this one (a conservative consumer card).
UNKNOWN_GPU = GpuClass("unknown NVIDIA GPU", 60.0, 0.0, "assumed: between an RTX 3060 and 3090")


def gpu_class_for_name(name: str | None) -> GpuClass:
    """The class of a device name as torch reports it ("NVIDIA GeForce RTX 4090"); None: CPU."""
    if not name:
        return GPU_CLASSES["CPU"]
    text = name.upper()
    for key in sorted(GPU_CLASSES, key=len, reverse=True):
        if key != "CPU" and key.upper() in text:
            return GPU_CLASSES[key]
    return UNKNOWN_GPU


# Efficiency (share of peak) measured on an H200, docs/performance.md; keyed by implementation and
# checkpointing; each pair is (efficiency at the 1B shape, efficiency at the 8B shape).
EFFICIENCY: dict[tuple[Implementation, bool], tuple[float, float]] = {}

# The demo model (SmolLM2-135M-Instruct) trains at about this many tokens a second on a
# 2-core CPU: 52 steps of 512 tokens in 160 s, about 210 tokens/s in step_progress, in
# `python -m engine train` on a brand CSV on an idle machine, 4-bit, no checkpointing
# (issue 12); rounded down. Shared cores give a fraction of it. Other models on a CPU scale
# with their FLOPs a token (smaller ones are capped at this rate: start-up costs dominate).
CPU_TOKENS_PER_SECOND = 200.0
CPU_REFERENCE_PLAN = TrainPlan(sequence_length=512, micro_batch=1, gradient_checkpointing=False)


def flops_per_token(model: ModelShape, plan: TrainPlan) -> float:
    """Training FLOPs for one token: see the module docstring."""
    passes = 2 + plan.recomputed(model) / model.layers
    context = plan.sequence_length / 2
    forward = 2 * model.matmul_parameters + 4 * model.layers * model.attention_width * context
    return passes * forward


def _calibrate(tokens_1b: float, tokens_8b: float, checkpointing: bool) -> tuple[float, float]:
    plan = TrainPlan(sequence_length=2048, micro_batch=4, gradient_checkpointing=checkpointing)
    peak = GPU_CLASSES["H200"].bf16_tflops * 1e12
    return (
        tokens_1b * flops_per_token(LLAMA_3_2_1B, plan) / peak,
        tokens_8b * flops_per_token(LLAMA_3_1_8B, plan) / peak,
    )


def efficiency(model: ModelShape, recomputed: float, implementation: Implementation) -> float:
    """Share of the GPU's peak reached: interpolated in log(size) between the 1B and 8B
    figures, and linearly between no checkpointing and full checkpointing by the share of
    layers recomputed (`recomputed`, 0..1; a bool means none or all)."""
    x = math.log(model.matmul_parameters)
    lo = math.log(LLAMA_3_2_1B.matmul_parameters)
    hi = math.log(LLAMA_3_1_8B.matmul_parameters)
    t = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    shares = []
    for checkpointing in (False, True):
        small, large = EFFICIENCY[(implementation, checkpointing)]
        shares.append(small + t * (large - small))
    return shares[0] + float(recomputed) * (shares[1] - shares[0])


def tokens_per_second(
    model: ModelShape,
    plan: TrainPlan,
    gpu: GpuClass | str,
    implementation: Implementation = "engine",
) -> float:
    """Predicted training throughput (real tokens a second) on a GPU class or the CPU."""
    gpu = GPU_CLASSES[gpu] if isinstance(gpu, str) else gpu
    if gpu.bf16_tflops <= 0:
        reference = flops_per_token(DEMO_SHAPE, CPU_REFERENCE_PLAN)
        ratio = reference / flops_per_token(model, plan)
        return CPU_TOKENS_PER_SECOND * min(1.0, ratio)
    share = efficiency(model, plan.recomputed(model) / model.layers, implementation)
    return share * gpu.bf16_tflops * 1e12 / flops_per_token(model, plan)


def estimate_run_seconds(
    tokens: int,
    epochs: float,
    gpu: GpuClass | str,
    model: ModelShape | None = None,
    plan: TrainPlan | None = None,
    heldout_tokens: int = 0,
    evaluations: int = 0,
) -> float:
    """Predicted wall time of a run: loading, the training tokens, and the held-out checks.

    Start-up (importing the ML stack, reading and quantizing the weights) is taken as 10 s
    on a GPU machine, 8 s on the CPU (measured on an idle 2-core machine: the demo's first
    step comes 6-7 s after the command starts, building the demo model included), plus
    4 s per billion parameters; an evaluation is forward-only, a third of a training step's
    cost per token on the GPU (without checkpointing a half).
    """
    model = model or LLAMA_3_2_1B
    plan = plan or TrainPlan()
    rate = tokens_per_second(model, plan, gpu)
    gpu_class = GPU_CLASSES[gpu] if isinstance(gpu, str) else gpu
    startup = 10.0 if gpu_class.bf16_tflops > 0 else 8.0
    load = startup + 4.0 * model.total_parameters / 1e9
    passes = 2 + plan.recomputed(model) / model.layers
    evaluation = evaluations * heldout_tokens / (rate * passes)
    return load + tokens * epochs / rate + evaluation


def least_recompute(model: ModelShape, plan: TrainPlan, budget_gib: float) -> int | None:
    """The fewest decoder layers to checkpoint so `plan` fits in `budget_gib` (0: none
    needed), or None when even checkpointing every layer does not fit. Selective
    recomputation: each layer spared is about 1/L of a forward pass saved."""
    for count in range(model.layers + 1):
        candidate = dataclasses.replace(
            plan, gradient_checkpointing=count > 0, checkpointed_layers=count
        )
        if peak_memory_gib(model, candidate) <= budget_gib:
            return count
    return None


def fit_badge(
    model: ModelShape,
    gpu_total_gib: float | None,
    sequence_length: int = 1024,
    loss: LossMode = ENGINE_LOSS,
) -> Badge:
    """The catalog's badge: can this GPU train `model` with the smallest sensible plan?

    The smallest plan is one row of `sequence_length` tokens, rank 16, checkpointing on, the
    engine's loss. It "fits" when that peak plus the CUDA context uses at most 75% of the
    GPU's memory (room for a larger micro-batch and for the desktop), is "tight" up to 95%,
    and is "too big" beyond. No GPU (None or 0): "needs an NVIDIA GPU".
    """
    if not gpu_total_gib or gpu_total_gib <= 0:
        return "needs an NVIDIA GPU"
    plan = TrainPlan(sequence_length=sequence_length, micro_batch=1, lora_rank=16, loss=loss)
    need = peak_memory_gib(model, plan) + CUDA_CONTEXT_GIB
    if need <= 0.75 * gpu_total_gib:
        return "fits"
    if need <= 0.95 * gpu_total_gib:
        return "tight"
    return "too big"


EFFICIENCY.update(
    {
        ("baseline", True): _calibrate(8828, 2876, True),
        # Not measured: taken as the engine's C/B gain applied to the baseline.
        ("baseline", False): _calibrate(8828 * 1.35, 2876 * 1.44, False),
        ("engine", True): _calibrate(25159, 7015, True),
        ("engine", False): _calibrate(33901, 10124, False),
    }
)
