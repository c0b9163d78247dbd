using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class ThresholdConv
{
    /// <summary>
    /// Whether the 512-bit path takes <see cref="Job.Range512Rows3"/>: a 3×3 kernel and one group of 32 lanes (17–32 output
    /// channels), so that the weights of step p lie at the fixed displacement 128·p bytes.
    /// </summary>
    internal static bool TakesRows3(ThresholdConvFilters filters) => filters.Shape.KernelH == 3 && filters.Lanes == 32;

    private readonly unsafe partial struct Job
    {
        /// <summary>
        /// <see cref="Range512"/> for a 3×3 kernel on 32 lanes: per tile of 6 pixels × 2 vectors, one iteration per kernel
        /// row (c, ky) does its three taps kx = 0, 1, 2 with the inputs at fixed displacements from the pixel pointers plus
        /// ky·Wp and the weights at fixed displacements, instead of an offset-table load and an index multiply per step.
        /// The multiply-adds of each output run in the same order p = (c·3 + ky)·3 + kx as in <see cref="Range512"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private void Range512Rows3(float* image, int* windows, int first, int r0, int r1)
        {
            var s = _filters.Shape;
            int rows = 3 * s.InChannels, last = r1 - 1;
            nint wp = s.PaddedW, plane = (nint)s.PaddedH * s.PaddedW;
            var e = new Epilogue512(_filters, 0);
            for (int r = r0; r < r1; r += 6)
            {
                float* x0 = image + windows[r], x1 = image + windows[Math.Min(r + 1, last)];
                float* x2 = image + windows[Math.Min(r + 2, last)], x3 = image + windows[Math.Min(r + 3, last)];
                float* x4 = image + windows[Math.Min(r + 4, last)], x5 = image + windows[Math.Min(r + 5, last)];
                Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default;
                Vector512<float> a3 = default, b3 = default, a4 = default, b4 = default, a5 = default, b5 = default;
                Vector512<float> wa, wb, x;
                float* w = _weights;
                nint off = 0; // (c·Hp + ky)·Wp: the kernel row's offset from each window's corner
                for (int row = 0, ky = 0; row < rows; row++, w += 96)
                {
                    // kx = 0
                    wa = Vector512.Load(w + 0);
                    wb = Vector512.Load(w + 16);
                    x = Vector512.Create(x0[off + 0]);
                    a0 = Vector512.FusedMultiplyAdd(wa, x, a0); b0 = Vector512.FusedMultiplyAdd(wb, x, b0);
                    x = Vector512.Create(x1[off + 0]);
                    a1 = Vector512.FusedMultiplyAdd(wa, x, a1); b1 = Vector512.FusedMultiplyAdd(wb, x, b1);
                    x = Vector512.Create(x2[off + 0]);
                    a2 = Vector512.FusedMultiplyAdd(wa, x, a2); b2 = Vector512.FusedMultiplyAdd(wb, x, b2);
                    x = Vector512.Create(x3[off + 0]);
                    a3 = Vector512.FusedMultiplyAdd(wa, x, a3); b3 = Vector512.FusedMultiplyAdd(wb, x, b3);
                    x = Vector512.Create(x4[off + 0]);
                    a4 = Vector512.FusedMultiplyAdd(wa, x, a4); b4 = Vector512.FusedMultiplyAdd(wb, x, b4);
                    x = Vector512.Create(x5[off + 0]);
                    a5 = Vector512.FusedMultiplyAdd(wa, x, a5); b5 = Vector512.FusedMultiplyAdd(wb, x, b5);
                    // kx = 1
                    wa = Vector512.Load(w + 32);
                    wb = Vector512.Load(w + 48);
                    x = Vector512.Create(x0[off + 1]);
                    a0 = Vector512.FusedMultiplyAdd(wa, x, a0); b0 = Vector512.FusedMultiplyAdd(wb, x, b0);
                    x = Vector512.Create(x1[off + 1]);
                    a1 = Vector512.FusedMultiplyAdd(wa, x, a1); b1 = Vector512.FusedMultiplyAdd(wb, x, b1);
                    x = Vector512.Create(x2[off + 1]);
                    a2 = Vector512.FusedMultiplyAdd(wa, x, a2); b2 = Vector512.FusedMultiplyAdd(wb, x, b2);
                    x = Vector512.Create(x3[off + 1]);
                    a3 = Vector512.FusedMultiplyAdd(wa, x, a3); b3 = Vector512.FusedMultiplyAdd(wb, x, b3);
                    x = Vector512.Create(x4[off + 1]);
                    a4 = Vector512.FusedMultiplyAdd(wa, x, a4); b4 = Vector512.FusedMultiplyAdd(wb, x, b4);
                    x = Vector512.Create(x5[off + 1]);
                    a5 = Vector512.FusedMultiplyAdd(wa, x, a5); b5 = Vector512.FusedMultiplyAdd(wb, x, b5);
                    // kx = 2
                    wa = Vector512.Load(w + 64);
                    wb = Vector512.Load(w + 80);
                    x = Vector512.Create(x0[off + 2]);
                    a0 = Vector512.FusedMultiplyAdd(wa, x, a0); b0 = Vector512.FusedMultiplyAdd(wb, x, b0);
                    x = Vector512.Create(x1[off + 2]);
                    a1 = Vector512.FusedMultiplyAdd(wa, x, a1); b1 = Vector512.FusedMultiplyAdd(wb, x, b1);
                    x = Vector512.Create(x2[off + 2]);
                    a2 = Vector512.FusedMultiplyAdd(wa, x, a2); b2 = Vector512.FusedMultiplyAdd(wb, x, b2);
                    x = Vector512.Create(x3[off + 2]);
                    a3 = Vector512.FusedMultiplyAdd(wa, x, a3); b3 = Vector512.FusedMultiplyAdd(wb, x, b3);
                    x = Vector512.Create(x4[off + 2]);
                    a4 = Vector512.FusedMultiplyAdd(wa, x, a4); b4 = Vector512.FusedMultiplyAdd(wb, x, b4);
                    x = Vector512.Create(x5[off + 2]);
                    a5 = Vector512.FusedMultiplyAdd(wa, x, a5); b5 = Vector512.FusedMultiplyAdd(wb, x, b5);
                    off += wp;
                    if (++ky == 3)
                    {
                        ky = 0;
                        off += plane - 3 * wp;
                    }
                }
                int t = first + r;
                Emit(t, 0, a0, b0, e);
                if (r + 1 < r1) Emit(t + 1, 0, a1, b1, e);
                if (r + 2 < r1) Emit(t + 2, 0, a2, b2, e);
                if (r + 3 < r1) Emit(t + 3, 0, a3, b3, e);
                if (r + 4 < r1) Emit(t + 4, 0, a4, b4, e);
                if (r + 5 < r1) Emit(t + 5, 0, a5, b5, e);
            }
        }
    }
}
