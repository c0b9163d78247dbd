using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Gemm;

/// <summary>Vector256 microkernel: 6 × 16 tile, 12 accumulators (fits the 16 AVX2 registers).</summary>
/// <remarks>Contract in <see cref="IGemmMicroKernel"/>. The accumulators are named locals so the JIT keeps
/// them in registers; the body is written out by hand rather than looped for the same reason.</remarks>
internal readonly struct SgemmKernel6x16 : IGemmMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default; Vector256<float> c01 = default;
        Vector256<float> c10 = default; Vector256<float> c11 = default;
        Vector256<float> c20 = default; Vector256<float> c21 = default;
        Vector256<float> c30 = default; Vector256<float> c31 = default;
        Vector256<float> c40 = default; Vector256<float> c41 = default;
        Vector256<float> c50 = default; Vector256<float> c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            Vector256<float> a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40); c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            Vector256<float> a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50); c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }

        Vector256<float> alphaV = Vector256.Create(alpha);
        if (beta == 0f)
        {
            (alphaV * c00).Store(c + 0 * ldc + 0); (alphaV * c01).Store(c + 0 * ldc + 8);
            (alphaV * c10).Store(c + 1 * ldc + 0); (alphaV * c11).Store(c + 1 * ldc + 8);
            (alphaV * c20).Store(c + 2 * ldc + 0); (alphaV * c21).Store(c + 2 * ldc + 8);
            (alphaV * c30).Store(c + 3 * ldc + 0); (alphaV * c31).Store(c + 3 * ldc + 8);
            (alphaV * c40).Store(c + 4 * ldc + 0); (alphaV * c41).Store(c + 4 * ldc + 8);
            (alphaV * c50).Store(c + 5 * ldc + 0); (alphaV * c51).Store(c + 5 * ldc + 8);
        }
        else
        {
            Vector256<float> betaV = Vector256.Create(beta);
            float* t00 = c + 0 * ldc + 0;
            ((alphaV * c00) + (betaV * Vector256.Load(t00))).Store(t00);
            float* t01 = c + 0 * ldc + 8;
            ((alphaV * c01) + (betaV * Vector256.Load(t01))).Store(t01);
            float* t10 = c + 1 * ldc + 0;
            ((alphaV * c10) + (betaV * Vector256.Load(t10))).Store(t10);
            float* t11 = c + 1 * ldc + 8;
            ((alphaV * c11) + (betaV * Vector256.Load(t11))).Store(t11);
            float* t20 = c + 2 * ldc + 0;
            ((alphaV * c20) + (betaV * Vector256.Load(t20))).Store(t20);
            float* t21 = c + 2 * ldc + 8;
            ((alphaV * c21) + (betaV * Vector256.Load(t21))).Store(t21);
            float* t30 = c + 3 * ldc + 0;
            ((alphaV * c30) + (betaV * Vector256.Load(t30))).Store(t30);
            float* t31 = c + 3 * ldc + 8;
            ((alphaV * c31) + (betaV * Vector256.Load(t31))).Store(t31);
            float* t40 = c + 4 * ldc + 0;
            ((alphaV * c40) + (betaV * Vector256.Load(t40))).Store(t40);
            float* t41 = c + 4 * ldc + 8;
            ((alphaV * c41) + (betaV * Vector256.Load(t41))).Store(t41);
            float* t50 = c + 5 * ldc + 0;
            ((alphaV * c50) + (betaV * Vector256.Load(t50))).Store(t50);
            float* t51 = c + 5 * ldc + 8;
            ((alphaV * c51) + (betaV * Vector256.Load(t51))).Store(t51);
        }
    }
}
