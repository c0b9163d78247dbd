using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;

namespace Lowbit.Onnx.Export.Layers;

/// <summary>Max and average pooling over square windows, no padding, floor division of the output size (ceil_mode 0).</summary>
internal static class PoolExport
{
    public static OnnxValue EmitMaxPool(ExportContext context, Module module, string path, OnnxValue x)
    {
        var pool = (MaxPool2d)module;
        return Pool(context, "MaxPool", path, x, pool.KernelSize, pool.Stride);
    }

    public static OnnxValue EmitAvgPool(ExportContext context, Module module, string path, OnnxValue x)
    {
        var pool = (AvgPool2d)module;
        return Pool(context, "AveragePool", path, x, pool.KernelSize, pool.Stride);
    }

    private static OnnxValue Pool(ExportContext context, string op, string path, OnnxValue x, int kernel, int stride)
    {
        var s = x.Shape;
        var name = context.Graph.Add(op, path, [x.Name],
            OnnxAttribute.OfInts("kernel_shape", kernel, kernel), OnnxAttribute.OfInts("strides", stride, stride), OnnxAttribute.OfInts("pads", 0L, 0, 0, 0));
        return new OnnxValue(name, [s[0], (s[1] - kernel) / stride + 1, (s[2] - kernel) / stride + 1]);
    }
}
