using Lowbit.Onnx.Graph;
using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Export.Quantizers;

/// <summary>
/// Uniform k-bit activation quantizers. The level is computed exactly as Lowbit computes it (<see cref="DoubleChain"/>:
/// the same double operations and round half away from zero), then, when the grid has at most 8 bits, passed through a
/// QuantizeLinear/DequantizeLinear pair with the grid's scale and zero point 0, which exposes the integer codes to
/// runtimes and tools. The pair is emitted only after checking, for every code n, that it is the identity on Lowbit's
/// level: QuantizeLinear gives back n (by division or by multiplication with the reciprocal, rounding half to even)
/// and DequantizeLinear's float32 n·scale equals Lowbit's float32 level bit for bit. Ties never reach QuantizeLinear:
/// its input is already on the grid.
/// </summary>
internal abstract class UniformActivationExport : QuantizerExport
{
    /// <summary>Emits the exact float32 level computation and returns its name; throws for unsupported settings.</summary>
    protected abstract string EmitExact(GraphBuilder graph, Quantizer quantizer, string path, string x);

    /// <summary>The quantizer's integer grid.</summary>
    protected abstract UniformGrid Grid(Quantizer quantizer);

    /// <inheritdoc/>
    public override OnnxValue Emit(ExportContext context, Quantizer quantizer, string path, OnnxValue x)
    {
        var g = context.Graph;
        string y = EmitExact(g, quantizer, path, x.Name);
        var grid = Grid(quantizer);
        if (context.Options.QuantizeDequantize && grid.FitsEightBits && PairIsExact(quantizer, grid))
        {
            string scale = g.Scalar(path, "scale", (float)grid.Scale);
            string zeroName = g.ConstantName(path, "zero_point");
            string zero = g.Initializer(grid.MinCode >= 0 ? OnnxTensor.FromUInt8s(zeroName, [0], []) : OnnxTensor.FromInt8s(zeroName, [0], []));
            string code = g.AddDocumented("QuantizeLinear", path, [y, scale, zero],
                $"{quantizer.Name}: integer code in [{grid.MinCode}, {grid.MaxCode}] of the level computed above (exact; no tie reaches this node)");
            y = g.Add("DequantizeLinear", path, [code, scale, zero]);
        }
        return x.As(y);
    }

    /// <summary>Whether Q then DQ gives back Lowbit's float32 level for every code (see the class remarks).</summary>
    internal static bool PairIsExact(Quantizer quantizer, UniformGrid grid)
    {
        int count = grid.MaxCode - grid.MinCode + 1;
        var inputs = new float[count];
        for (int i = 0; i < count; i++) inputs[i] = (float)((grid.MinCode + i) * grid.Scale);
        float[] levels;
        using (GradMode.Disable()) levels = quantizer.Quantize(Tensor.FromArray(inputs, 1, count), QuantizerContext.Eval).ToArray();
        float scale = (float)grid.Scale, reciprocal = 1f / scale;
        for (int i = 0; i < count; i++)
        {
            int n = grid.MinCode + i;
            if ((float)n * scale != levels[i]) return false;
            if (Code(levels[i] / scale, grid) != n || Code(levels[i] * reciprocal, grid) != n) return false;
        }
        return true;
    }

    private static int Code(float ratio, UniformGrid grid) => (int)Math.Clamp(MathF.Round(ratio, MidpointRounding.ToEven), grid.MinCode, grid.MaxCode);
}
