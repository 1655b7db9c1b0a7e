"""Quillora's own K-quant quantizer (Q4_K, Q5_K, Q6_K) on numpy.

The `gguf` library dequantizes the K types but quantizes only the simple ones, so the
encoding side is written here, following the published block layouts (a super-block of 256
weights) and llama.cpp's reference search for scales: a weighted least-squares fit of a
scale and a minimum per sub-block over a small grid of starting scales, then 6-bit (Q4_K,
Q5_K) or 8-bit (Q6_K) quantization of the sub-block scales against one f16 scale per block.
The tests check every block against `gguf.quants.dequantize`.

Work is done in slices of rows so memory stays at a few times the slice, whatever the size
of the tensor.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

KType = Literal["q4_k", "q5_k", "q6_k"]
QK_K = 256
BLOCK_BYTES: dict[KType, int] = {"q4_k": 144, "q5_k": 176, "q6_k": 210}
_SLICE_BLOCKS = 4096  # 1 Mi weights per slice: large enough for numpy, small for memory


def _nearest(values: np.ndarray) -> np.ndarray:
    """Round to the nearest integer (ties to even; the tie case never changes the fit)."""
    return np.rint(values)


def _rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sum over each row of a * b, without a temporary the size of the input."""
    return np.einsum("ij,ij->i", a, b)


def _fit_scale_min(
    x: np.ndarray, nmax: int, rmin: float, rdelta: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Best (scale, min) per row of `x` for x ~ scale * L - min with L in 0..nmax.

    Weights favour large values (|x| plus the row's RMS), as llama.cpp's reference does, so
    the outliers that matter most to a matrix product are kept closest. The weighted error
    of each candidate is expanded into row sums, so a candidate costs a few passes.
    """
    weights = np.sqrt(np.mean(x * x, axis=1, keepdims=True)) + np.abs(x)
    low = np.minimum(x.min(axis=1), 0.0)
    high = x.max(axis=1)
    spread = np.where(high > low, high - low, 1.0)
    shifted = x - low[:, None]
    wx = weights * x
    sum_w = weights.sum(axis=1)
    sum_x = wx.sum(axis=1)
    sum_x2 = _rowdot(wx, x)

    def error(scale: np.ndarray, minimum: np.ndarray, sums: tuple[np.ndarray, ...]) -> np.ndarray:
        sum_l, sum_l2, sum_xl = sums
        return (
            scale * scale * sum_l2
            + 2 * scale * minimum * sum_l
            - 2 * scale * sum_xl
            + minimum * minimum * sum_w
            - 2 * minimum * sum_x
            + sum_x2
        )

    levels = np.empty_like(x)
    weighted = np.empty_like(x)

    def level_sums(iscale: np.ndarray) -> tuple[np.ndarray, ...]:
        # In place into two buffers: this runs ~20 times per weight and allocation dominates.
        np.multiply(iscale[:, None], shifted, out=levels)
        np.rint(levels, out=levels)
        np.clip(levels, 0, nmax, out=levels)
        np.multiply(weights, levels, out=weighted)
        return weighted.sum(axis=1), _rowdot(weighted, levels), _rowdot(wx, levels)

    scale = spread / nmax
    minimum = low
    best = error(scale, minimum, level_sums(1.0 / scale))
    for step in range(steps + 1):
        sums = level_sums((rmin + rdelta * step + nmax) / spread)
        sum_l, sum_l2, sum_xl = sums
        det = sum_w * sum_l2 - sum_l * sum_l
        safe_det = np.where(det > 0, det, 1.0)
        this_scale = (sum_w * sum_xl - sum_x * sum_l) / safe_det
        this_min = (sum_l2 * sum_x - sum_l * sum_xl) / safe_det
        # A positive minimum cannot be stored (the block subtracts it): refit through zero.
        positive = this_min > 0
        this_scale = np.where(positive, sum_xl / np.where(sum_l2 > 0, sum_l2, 1.0), this_scale)
        this_min = np.where(positive, 0.0, this_min)
        this_error = error(this_scale, this_min, sums)
        better = (det > 0) & (this_error < best)
        best = np.where(better, this_error, best)
        scale = np.where(better, this_scale, scale)
        minimum = np.where(better, this_min, minimum)
    flat = high == low
    scale[flat] = 0.0
    minimum[flat] = low[flat]
    return scale, -minimum  # the minimum is stored as a positive offset


def _pack_scales(sc: np.ndarray, mn: np.ndarray) -> np.ndarray:
    """Eight 6-bit scales and eight 6-bit minimums into 12 bytes (llama.cpp's layout)."""
    sc = sc.astype(np.uint8)
    mn = mn.astype(np.uint8)
    low_sc, high_sc = sc[:, :4], sc[:, 4:]
    low_mn, high_mn = mn[:, :4], mn[:, 4:]
    first = (low_sc & 0x3F) | ((high_sc >> 4) << 6)
    second = (low_mn & 0x3F) | ((high_mn >> 4) << 6)
    third = (high_sc & 0x0F) | ((high_mn & 0x0F) << 4)
    return np.concatenate([first, second, third], axis=1)


def _quantize_q45_k(blocks: np.ndarray, bits: Literal[4, 5]) -> np.ndarray:
    """Q4_K or Q5_K: 8 sub-blocks of 32, each with a 6-bit scale and 6-bit minimum."""
    n = blocks.shape[0]
    nmax = (1 << bits) - 1
    subs = blocks.reshape(n * 8, 32)
    if bits == 4:
        scale, offset = _fit_scale_min(subs, nmax, -1.0, 0.2, 10)
    else:
        scale, offset = _fit_scale_min(subs, nmax, -0.5, 0.25, 6)
    scale, offset = scale.reshape(n, 8), offset.reshape(n, 8)

    max_scale = scale.max(axis=1, keepdims=True)
    max_offset = offset.max(axis=1, keepdims=True)
    inv_scale = np.where(max_scale > 0, 63.0 / np.where(max_scale > 0, max_scale, 1.0), 0.0)
    inv_offset = np.where(max_offset > 0, 63.0 / np.where(max_offset > 0, max_offset, 1.0), 0.0)
    sc = np.clip(_nearest(inv_scale * scale), 0, 63)
    mn = np.clip(_nearest(inv_offset * offset), 0, 63)
    d = (max_scale / 63.0).astype(np.float16)
    dmin = (max_offset / 63.0).astype(np.float16)

    # Levels are chosen against the scales as they will be read back (f16 times 6 bits).
    eff_scale = (d.astype(np.float32) * sc)[:, :, None]
    eff_offset = (dmin.astype(np.float32) * mn)[:, :, None]
    safe = np.where(eff_scale > 0, eff_scale, 1.0)
    values = blocks.reshape(n, 8, 32)
    q = np.where(eff_scale > 0, np.clip(_nearest((values + eff_offset) / safe), 0, nmax), 0)
    q = q.astype(np.uint8)

    # Sub-blocks 2i and 2i+1 share 32 bytes: low nibble and high nibble.
    low = q & 0x0F
    qs = (low[:, 0::2, :] | (low[:, 1::2, :] << 4)).reshape(n, 128)
    parts = [d.view(np.uint8), dmin.view(np.uint8), _pack_scales(sc, mn)]
    if bits == 5:
        high = (q >> 4) & 0x01
        qh = np.zeros((n, 32), dtype=np.uint8)
        for sub in range(8):
            qh |= high[:, sub, :] << sub
        parts.append(qh)
    parts.append(qs)
    return np.concatenate(parts, axis=1)


def _fit_symmetric(x: np.ndarray, nmax: int) -> np.ndarray:
    """Best scale per row for x ~ scale * L with L in -nmax..nmax-1 (weights x squared)."""
    index = np.abs(x).argmax(axis=1)
    peak = np.take_along_axis(x, index[:, None], axis=1)[:, 0]
    safe_peak = np.where(peak != 0, peak, 1.0)
    weights = x * x
    wx = weights * x
    levels = np.empty_like(x)
    weighted = np.empty_like(x)
    best_scale = np.zeros(x.shape[0], dtype=x.dtype)
    best = np.full(x.shape[0], -np.inf, dtype=x.dtype)
    for step in range(-8, 9, 2):  # llama.cpp tries every 0.1 from -0.9; 0.2 costs ~nothing
        np.multiply((-(nmax + 0.1 * step) / safe_peak)[:, None], x, out=levels)
        np.rint(levels, out=levels)
        np.clip(levels, -nmax, nmax - 1, out=levels)
        np.multiply(weights, levels, out=weighted)
        sum_lx = _rowdot(wx, levels)
        sum_l2 = _rowdot(weighted, levels)
        scale = sum_lx / np.where(sum_l2 > 0, sum_l2, 1.0)
        score = np.where(sum_l2 > 0, scale * sum_lx, -np.inf)  # error falls as this rises
        better = score > best
        best = np.where(better, score, best)
        best_scale = np.where(better, scale, best_scale)
    return np.where(peak != 0, best_scale, 0.0)


def _quantize_q6_k(blocks: np.ndarray) -> np.ndarray:
    """Q6_K: 16 sub-blocks of 16 weights, 6-bit levels, 8-bit signed scales, one f16 scale."""
    n = blocks.shape[0]
    scale = _fit_symmetric(blocks.reshape(n * 16, 16), 32).reshape(n, 16)
    index = np.abs(scale).argmax(axis=1)
    peak = np.take_along_axis(scale, index[:, None], axis=1)
    iscale = np.where(peak != 0, -128.0 / np.where(peak != 0, peak, 1.0), 0.0)
    sc = np.clip(_nearest(iscale * scale), -128, 127)
    d = np.where(peak != 0, 1.0 / np.where(iscale != 0, iscale, 1.0), 0.0).astype(np.float16)

    eff = (d.astype(np.float32) * sc)[:, :, None]
    values = blocks.reshape(n, 16, 16)
    safe = np.where(eff != 0, eff, 1.0)
    q = np.where(eff != 0, np.clip(_nearest(values / safe), -32, 31), 0) + 32
    q = q.astype(np.uint8).reshape(n, 2, 128)

    # Each half of 128 weights: ql packs weights l and l+64 as nibbles; qh packs the top
    # two bits of weights l, l+32, l+64, l+96.
    low = (q & 0x0F).reshape(n, 2, 2, 64)
    ql = (low[:, :, 0, :] | (low[:, :, 1, :] << 4)).reshape(n, 128)
    high = (q >> 4).reshape(n, 2, 4, 32)
    qh = high[:, :, 0, :] | (high[:, :, 1, :] << 2) | (high[:, :, 2, :] << 4)
    qh = (qh | (high[:, :, 3, :] << 6)).reshape(n, 64)
    return np.concatenate([ql, qh, sc.astype(np.int8).view(np.uint8), d.view(np.uint8)], axis=1)


def quantize_k(array: np.ndarray, ktype: KType) -> np.ndarray:
    """`array` (rows divisible by 256) as K-quant bytes, shaped like gguf.quants.quantize's."""
    rows = np.ascontiguousarray(array, dtype=np.float32)
    if rows.shape[-1] % QK_K:
        raise ValueError(f"rows of {rows.shape[-1]} are not a multiple of {QK_K}")
    blocks = rows.reshape(-1, QK_K)
    out = np.empty((blocks.shape[0], BLOCK_BYTES[ktype]), dtype=np.uint8)
    for start in range(0, blocks.shape[0], _SLICE_BLOCKS):
        piece = blocks[start : start + _SLICE_BLOCKS]
        if ktype == "q6_k":
            out[start : start + _SLICE_BLOCKS] = _quantize_q6_k(piece)
        else:
            out[start : start + _SLICE_BLOCKS] = _quantize_q45_k(piece, 4 if ktype == "q4_k" else 5)
    return out.reshape(*rows.shape[:-1], rows.shape[-1] // QK_K * BLOCK_BYTES[ktype])
