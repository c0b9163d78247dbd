using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Gemm;

/// <summary>Vector512 microkernel: 8 × 32 tile, 16 accumulators (AVX-512; Zen 4 runs each as 2 × 256-bit).</summary>
/// <remarks>Contract in <see cref="IGemmMicroKernel"/>. The accumulators are named locals so the JIT keeps
/// them in registers; the body is written out by hand rather than looped for the same reason.</remarks>
internal readonly struct SgemmKernel8x32 : IGemmMicroKernel
{
    public static int Mr => 8;

    public static int Nr => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default; Vector512<float> c01 = default;
        Vector512<float> c10 = default; Vector512<float> c11 = default;
        Vector512<float> c20 = default; Vector512<float> c21 = default;
        Vector512<float> c30 = default; Vector512<float> c31 = default;
        Vector512<float> c40 = default; Vector512<float> c41 = default;
        Vector512<float> c50 = default; Vector512<float> c51 = default;
        Vector512<float> c60 = default; Vector512<float> c61 = default;
        Vector512<float> c70 = default; Vector512<float> c71 = default;
        if (Sse.IsSupported)
        {
            // The C tile is needed only after the k loop: start fetching its 16 lines now (C often lives in L3).
            for (int i = 0; i < 8; i++)
            {
                Sse.Prefetch0(c + i * ldc);
                Sse.Prefetch0(c + i * ldc + 16);
            }
        }

        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            Vector512<float> a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60); c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            Vector512<float> a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70); c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            a += 8;
            b += 32;
        }

        Vector512<float> alphaV = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (alphaV * c00).Store(c + 0 * ldc + 0); (alphaV * c01).Store(c + 0 * ldc + 16);
            (alphaV * c10).Store(c + 1 * ldc + 0); (alphaV * c11).Store(c + 1 * ldc + 16);
            (alphaV * c20).Store(c + 2 * ldc + 0); (alphaV * c21).Store(c + 2 * ldc + 16);
            (alphaV * c30).Store(c + 3 * ldc + 0); (alphaV * c31).Store(c + 3 * ldc + 16);
            (alphaV * c40).Store(c + 4 * ldc + 0); (alphaV * c41).Store(c + 4 * ldc + 16);
            (alphaV * c50).Store(c + 5 * ldc + 0); (alphaV * c51).Store(c + 5 * ldc + 16);
            (alphaV * c60).Store(c + 6 * ldc + 0); (alphaV * c61).Store(c + 6 * ldc + 16);
            (alphaV * c70).Store(c + 7 * ldc + 0); (alphaV * c71).Store(c + 7 * ldc + 16);
        }
        else
        {
            Vector512<float> betaV = Vector512.Create(beta);
            float* t00 = c + 0 * ldc + 0;
            ((alphaV * c00) + (betaV * Vector512.Load(t00))).Store(t00);
            float* t01 = c + 0 * ldc + 16;
            ((alphaV * c01) + (betaV * Vector512.Load(t01))).Store(t01);
            float* t10 = c + 1 * ldc + 0;
            ((alphaV * c10) + (betaV * Vector512.Load(t10))).Store(t10);
            float* t11 = c + 1 * ldc + 16;
            ((alphaV * c11) + (betaV * Vector512.Load(t11))).Store(t11);
            float* t20 = c + 2 * ldc + 0;
            ((alphaV * c20) + (betaV * Vector512.Load(t20))).Store(t20);
            float* t21 = c + 2 * ldc + 16;
            ((alphaV * c21) + (betaV * Vector512.Load(t21))).Store(t21);
            float* t30 = c + 3 * ldc + 0;
            ((alphaV * c30) + (betaV * Vector512.Load(t30))).Store(t30);
            float* t31 = c + 3 * ldc + 16;
            ((alphaV * c31) + (betaV * Vector512.Load(t31))).Store(t31);
            float* t40 = c + 4 * ldc + 0;
            ((alphaV * c40) + (betaV * Vector512.Load(t40))).Store(t40);
            float* t41 = c + 4 * ldc + 16;
            ((alphaV * c41) + (betaV * Vector512.Load(t41))).Store(t41);
            float* t50 = c + 5 * ldc + 0;
            ((alphaV * c50) + (betaV * Vector512.Load(t50))).Store(t50);
            float* t51 = c + 5 * ldc + 16;
            ((alphaV * c51) + (betaV * Vector512.Load(t51))).Store(t51);
            float* t60 = c + 6 * ldc + 0;
            ((alphaV * c60) + (betaV * Vector512.Load(t60))).Store(t60);
            float* t61 = c + 6 * ldc + 16;
            ((alphaV * c61) + (betaV * Vector512.Load(t61))).Store(t61);
            float* t70 = c + 7 * ldc + 0;
            ((alphaV * c70) + (betaV * Vector512.Load(t70))).Store(t70);
            float* t71 = c + 7 * ldc + 16;
            ((alphaV * c71) + (betaV * Vector512.Load(t71))).Store(t71);
        }
    }
}
