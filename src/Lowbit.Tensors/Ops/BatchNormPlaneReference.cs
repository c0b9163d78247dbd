namespace Lowbit.Tensors.Ops;

/// <summary>
/// Scalar reference of the plane sums of <see cref="BatchNormPlaneKernels"/>: 32 lanes, the same lane tree and tail
/// order, plain loops (the fallback and the test oracle; bit-identical).
/// </summary>
internal static class BatchNormPlaneReference
{
    public static (float Sum, float SumSquares) ShiftedSums(ReadOnlySpan<float> x, float shift)
    {
        Span<float> a = stackalloc float[BatchNormPlaneKernels.Lanes];
        Span<float> q = stackalloc float[BatchNormPlaneKernels.Lanes];
        a.Clear();
        q.Clear();
        int whole = x.Length / BatchNormPlaneKernels.Lanes * BatchNormPlaneKernels.Lanes;
        for (int i = 0; i < whole; i++)
        {
            float d = x[i] - shift;
            a[i % 32] += d;
            q[i % 32] = MathF.FusedMultiplyAdd(d, d, q[i % 32]);
        }
        float sum = Combine(a), squares = Combine(q);
        for (int i = whole; i < x.Length; i++)
        {
            float d = x[i] - shift;
            sum += d;
            squares = MathF.FusedMultiplyAdd(d, d, squares);
        }
        return (sum, squares);
    }

    public static (float SumG, float SumGX) GradientPlaneSums(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float m) =>
        GradientPlaneSums(g, x, m, default(NoMask));

    /// <summary>The sums over g' = mask(g, x − m) instead of g.</summary>
    public static (float SumG, float SumGX) GradientPlaneSums<TMask>(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float m, TMask mask)
        where TMask : struct, IGradientMask, allows ref struct
    {
        Span<float> a = stackalloc float[BatchNormPlaneKernels.Lanes];
        Span<float> q = stackalloc float[BatchNormPlaneKernels.Lanes];
        a.Clear();
        q.Clear();
        int whole = g.Length / BatchNormPlaneKernels.Lanes * BatchNormPlaneKernels.Lanes;
        for (int i = 0; i < whole; i++)
        {
            float d = x[i] - m, gi = mask.Apply(g[i], d, i);
            a[i % 32] += gi;
            q[i % 32] = MathF.FusedMultiplyAdd(gi, d, q[i % 32]);
        }
        float sumG = Combine(a), sumGX = Combine(q);
        for (int i = whole; i < g.Length; i++)
        {
            float d = x[i] - m, gi = mask.Apply(g[i], d, i);
            sumG += gi;
            sumGX = MathF.FusedMultiplyAdd(gi, d, sumGX);
        }
        return (sumG, sumGX);
    }

    /// <summary>Lanes of the four 8-lane vectors added as (v0 + v1) + (v2 + v3), then ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).</summary>
    private static float Combine(ReadOnlySpan<float> lanes)
    {
        Span<float> w = stackalloc float[8];
        for (int l = 0; l < 8; l++) w[l] = (lanes[l] + lanes[8 + l]) + (lanes[16 + l] + lanes[24 + l]);
        return ((w[0] + w[4]) + (w[2] + w[6])) + ((w[1] + w[5]) + (w[3] + w[7]));
    }
}
