"""Find a base model on disk (or fetch it), load it in 4-bit NF4 and attach LoRA.

QLoRA: NF4 with double quantization, bf16 compute where the hardware has it (fp16 on older
GPUs), LoRA on every linear layer, and no fp32 up-cast of the large frozen matrices (what that
saves: docs/performance.md, variant B): `prepare_model_for_kbit_training` is deliberately not
used; gradient checkpointing (non-reentrant) plus `enable_input_require_grads` give the same
training behaviour while the embeddings and norms stay in the compute dtype.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.contract.config import LoraSettings
from engine.contract.errors import EngineError, ErrorKind
from engine.contract.events import DownloadProgress, Log
from engine.contract.paths import is_gguf_file
from engine.emit import Emitter

if TYPE_CHECKING:
    from peft import PeftModel
    from transformers import PreTrainedTokenizerBase

WEIGHT_PATTERNS = ["*.safetensors", "*.safetensors.index.json"]
ALLOW_PATTERNS = [
    *WEIGHT_PATTERNS,
    "*.json",
    "tokenizer*",
    "*.model",
    "*.tiktoken",
    "*.txt",
    "*.jinja",
]
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


def resolve_model(
    name: str, revision: str = "main", emitter: Emitter | None = None, root: Path | None = None
) -> Path:
    """The local folder holding model `name`: 'demo', a folder, a .gguf file, or a Hub id.

    'tiny-test' is the random test model (engine/tiny_test_model.py), for tests only.
    """
    from engine.demo import DEMO_MODEL
    from engine.tiny_test_model import TINY_TEST_MODEL

    if name == DEMO_MODEL:
        from engine.demo import ensure_demo_model

        return ensure_demo_model(root, _conversion_notice(emitter, "the demo model"))
    if name == TINY_TEST_MODEL:
        from engine.tiny_test_model import ensure_tiny_test_model

        return ensure_tiny_test_model(root)
    folder = Path(name).expanduser()
    if folder.suffix.lower() == ".gguf" or (folder.is_file() and is_gguf_file(folder)):
        return converted_gguf_model(folder, root, _conversion_notice(emitter, folder.name))
    if folder.is_dir():
        check_model_folder(folder)
        return folder
    if name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1:
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"There is no model folder at {name}.",
            "Choose an existing folder or a Hugging Face model id such as 'org/name'.",
        )
    return download_model(name, revision, emitter)


def _conversion_notice(emitter: Emitter | None, what: str) -> Callable[[], None]:
    """Says, before a GGUF conversion starts, why the first step takes a while."""

    def notice() -> None:
        if emitter is not None:
            emitter.emit(
                Log(
                    message=f"Preparing {what} for training: this happens once and takes "
                    "about half a minute for a small model."
                )
            )

    return notice


def converted_gguf_model(
    path: Path, root: Path | None = None, on_convert: Callable[[], None] = lambda: None
) -> Path:
    """The cached bf16 folder converted from the .gguf file `path` (converted on first use)."""
    from engine.contract.paths import converted_gguf_dir
    from engine.gguf_import import converted_folder_name, ensure_converted

    if not path.is_file():
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"There is no model file at {path}.",
            "Choose the .gguf file again, or a model from the list.",
        )
    return ensure_converted(
        path, converted_gguf_dir(root) / converted_folder_name(path), on_convert
    )


def check_model_folder(folder: Path) -> None:
    """Refuse folders that are not a model, or whose weights are pickles (they can run code)."""
    if not (folder / "config.json").is_file():
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"The folder {folder} does not look like a model (it has no config.json).",
        )
    if not any(folder.glob("*.safetensors")):
        pickles = [p.name for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES]
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            "This model's weights are not in the safetensors format. Quillora only loads "
            "safetensors, because other weight files (pickles) can run code on your computer.",
            f"folder: {folder}; weight files found: {pickles or 'none'}",
        )


def download_model(repo_id: str, revision: str, emitter: Emitter | None) -> Path:
    """Fetch a Hub model's safetensors, config and tokenizer files (never pickles)."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    from engine.sealing import cached_hub_snapshot

    # A model already fully downloaded is used as it is: no network, even when online.
    cached = cached_hub_snapshot(repo_id, revision)
    if cached is not None:
        check_model_folder(cached)
        return cached
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    total = 0
    try:
        if not offline:
            info = HfApi().model_info(repo_id, revision=revision, files_metadata=True)
            files = {s.rfilename: (s.size or 0) for s in info.siblings or []}
            if not any(f.endswith(".safetensors") for f in files):
                raise EngineError(
                    ErrorKind.UNSUPPORTED_MODEL,
                    f"{repo_id} has no safetensors weights. Quillora only loads safetensors, "
                    "because other weight files (pickles) can run code on your computer.",
                    f"files: {sorted(files)[:30]}",
                )
            total = sum(size for f, size in files.items() if _allowed(f))
        with _DownloadWatcher(repo_id, total, emitter):
            path = snapshot_download(
                repo_id,
                revision=revision,
                allow_patterns=ALLOW_PATTERNS,
                local_files_only=offline,
            )
    except EngineError:
        raise
    except (RepositoryNotFoundError, RevisionNotFoundError, GatedRepoError) as exc:
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND,
            f"The model {repo_id} was not found on the Hugging Face Hub, or it needs you to "
            "accept its licence and sign in first.",
            str(exc)[:1000],
        ) from exc
    except LocalEntryNotFoundError as exc:
        raise EngineError(
            ErrorKind.MODEL_NOT_FOUND if offline else ErrorKind.DOWNLOAD_FAILED,
            f"The model {repo_id} is not on this computer and could not be downloaded.",
            str(exc)[:1000],
        ) from exc
    except Exception as exc:  # OSError, ValueError, and the HTTP client's own errors
        # (httpx's ConnectError / TimeoutException are not OSErrors): no network is a plain
        # DOWNLOAD_FAILED, never an internal error.
        raise EngineError(
            ErrorKind.DOWNLOAD_FAILED,
            f"Downloading {repo_id} failed. Check the internet connection and try again; "
            "finished files are kept, so it continues where it stopped.",
            str(exc)[:1000],
        ) from exc
    folder = Path(path)
    check_model_folder(folder)
    return folder


def _allowed(filename: str) -> bool:
    from fnmatch import fnmatch

    return any(fnmatch(filename, pattern) for pattern in ALLOW_PATTERNS)


class _DownloadWatcher:
    """Emits DownloadProgress about once a second by measuring the repo's cache folder.

    Watching the folder (blobs plus `.incomplete` files) works with every huggingface_hub
    download backend, where hooking their progress bars would not.
    """

    def __init__(self, repo_id: str, total: int, emitter: Emitter | None) -> None:
        from huggingface_hub.constants import HF_HUB_CACHE

        self._folder = Path(HF_HUB_CACHE) / ("models--" + repo_id.replace("/", "--")) / "blobs"
        self._repo_id, self._total, self._emitter = repo_id, total, emitter
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _DownloadWatcher:
        if self._emitter is not None and self._total:
            self._start_bytes = self._size()
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
            if exc[0] is None:
                self._report(self._total, 0.0)

    def _size(self) -> int:
        try:
            return sum(p.stat().st_size for p in self._folder.iterdir() if p.is_file())
        except OSError:
            return 0

    def _report(self, done: int, speed: float) -> None:
        assert self._emitter is not None
        self._emitter.emit(
            DownloadProgress(
                model=self._repo_id,
                downloaded_bytes=min(done, self._total),
                total_bytes=self._total,
                bytes_per_second=round(speed, 1),
            )
        )

    def _watch(self) -> None:
        last, last_time = self._size(), time.monotonic()
        while not self._done.wait(1.0):
            size, now = self._size(), time.monotonic()
            self._report(size, (size - last) / max(now - last_time, 1e-6))
            last, last_time = size, now


@dataclass(frozen=True)
class Placement:
    """Where the model runs and in which dtype it computes."""

    device: str
    compute_dtype: Any  # torch.dtype


def choose_placement() -> Placement:
    """CUDA with bf16 (fp16 on GPUs without bf16), else the CPU.

    On the CPU, bitsandbytes 0.50 dequantizes NF4 to the compute dtype. bf16 measured faster
    than fp32 on the demo model on a CPU with native bf16 (AVX512-BF16: about 64 ms against
    80 ms a 1,024-token step, one thread); CPUs without it emulate bf16 slowly, so they
    compute in fp32.
    """
    import torch

    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return Placement("cuda", dtype)
    native_bf16 = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    return Placement("cpu", torch.bfloat16 if native_bf16 else torch.float32)


def configure_cpu_threads() -> None:
    """One thread per physical core, and at least two where there are two cores.

    Laptops and desktops have two hardware threads per core, so half the logical CPUs is one
    thread per core, and a thread more only competes with its sibling. A two-core machine
    has no such sibling: the demo's 512-token step took 3.6 s on one thread and 2.5 s on
    both cores (the GUI is idle while it trains). QUILLORA_CPU_THREADS overrides the choice:
    the tests set 1 where several engine processes share the cores, since OpenMP's spinning
    threads then slow a tiny model down by up to 30x.
    """
    import torch

    wanted = os.environ.get("QUILLORA_CPU_THREADS")
    logical = os.cpu_count() or 2
    threads = int(wanted) if wanted and wanted.isdigit() else max(min(2, logical), logical // 2)
    torch.set_num_threads(max(1, threads))


def load_tokenizer(folder: Path) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_4bit_model(
    folder: Path,
    placement: Placement,
    gradient_checkpointing: bool = True,
    checkpointed_layers: int | None = None,
    quant_storage: Any = None,
):
    """The frozen base model with every decoder linear layer as bitsandbytes Linear4bit.

    With gradient checkpointing, `checkpointed_layers` recomputes only that many decoder
    layers (the memory plan's selective recomputation, engine.fast.checkpointing); None
    recomputes them all. `quant_storage`: the dtype the packed 4-bit weights are stored in
    (None: bitsandbytes' uint8); FSDP needs the compute dtype there (engine.train.sharded).
    """
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    quantization = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=placement.compute_dtype,
        bnb_4bit_quant_storage=quant_storage or torch.uint8,
    )
    try:
        model = AutoModelForCausalLM.from_pretrained(
            folder,
            quantization_config=quantization,
            dtype=placement.compute_dtype,
            device_map={"": placement.device},
            attn_implementation="sdpa",
            trust_remote_code=False,
        )
    except ValueError as exc:
        raise EngineError(
            ErrorKind.UNSUPPORTED_MODEL,
            "This model's architecture is not supported by the installed transformers "
            "library (Quillora never runs code shipped with a model).",
            str(exc)[:1000],
        ) from exc
    model.config.use_cache = False
    keep_weights_trainable(model)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    if gradient_checkpointing and checkpointed_layers is not None:
        from engine.fast.checkpointing import checkpoint_layers

        checkpoint_layers(model, checkpointed_layers)
    elif gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    return model


def keep_weights_trainable(model: Any) -> None:
    """Stop bitsandbytes repacking 4-bit weights for CPU inference during training.

    On CPUs with AVX512-BF16, a Linear4bit that runs once in eval mode without gradients (our
    held-out evaluation) converts its weight, for good, to a packed layout whose kernel has no
    backward: gradients would then silently stop flowing through the frozen layers. Training
    keeps the standard layout; chat (inference only) may use the faster one.
    """
    import bitsandbytes as bnb

    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit):
            module.support_avx512bf16_for_cpu = False


def attach_lora(model: Any, settings: LoraSettings) -> PeftModel:
    """LoRA adapters on all linear layers (the lm_head stays frozen)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=settings.rank,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def load_lora(model: Any, adapter_dir: Path) -> PeftModel:
    """A saved adapter attached as trainable, to continue training it (Train more)."""
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=True)
