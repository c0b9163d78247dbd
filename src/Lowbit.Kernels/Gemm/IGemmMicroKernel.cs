namespace Lowbit.Kernels.Gemm;

/// <summary>
/// A register-blocked SGEMM microkernel: one <c>Mr × Nr</c> tile of C from packed micro-panels.
/// </summary>
/// <remarks>
/// Packed layouts (see <see cref="SgemmPacking"/>): the A micro-panel holds <c>a[p·Mr + i]</c> = op(A)[i, p] and
/// the B micro-panel holds <c>b[p·Nr + j]</c> = op(B)[p, j], for p in [0, kc). Padding rows/columns are zero.
/// The tile update is <c>C = alpha·acc + beta·C</c>, where acc = Σ_p a[p·Mr + i]·b[p·Nr + j] accumulated with
/// one fused multiply-add per p, in increasing p. When beta is 0, C is not read (NaN in C is overwritten).
/// Every path that writes an element of C uses exactly this arithmetic, which is what makes results independent
/// of tile position and thread partition.
/// </remarks>
internal interface IGemmMicroKernel
{
    /// <summary>Rows of the C tile (A micro-panel width).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of the C tile (B micro-panel width); a multiple of 8.</summary>
    static abstract int Nr { get; }

    /// <summary>Updates the full <c>Mr × Nr</c> tile at <paramref name="c"/> (row stride <paramref name="ldc"/>).</summary>
    static abstract unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta);
}
