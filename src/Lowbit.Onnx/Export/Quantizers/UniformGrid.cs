namespace Lowbit.Onnx.Export.Quantizers;

/// <summary>The integer grid of a uniform quantizer: level(n) = n·Scale for codes n in [MinCode, MaxCode] (zero point 0).</summary>
/// <param name="Scale">Step between levels (double, as the quantizer computes it).</param>
/// <param name="MinCode">Lowest code (0 for unsigned grids).</param>
/// <param name="MaxCode">Highest code.</param>
internal sealed record UniformGrid(double Scale, int MinCode, int MaxCode)
{
    /// <summary>Whether the codes fit ONNX's 8-bit QuantizeLinear types (uint8, or int8 for signed grids).</summary>
    public bool FitsEightBits => MinCode >= 0 ? MaxCode <= byte.MaxValue : MinCode >= sbyte.MinValue && MaxCode <= sbyte.MaxValue;
}
