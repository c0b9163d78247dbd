using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;

namespace Lowbit.Training.Config.Layers;

/// <summary>Config builders of the shift layers: shift_conv2d (fixed shifts) and shift_attention_conv2d (learned shifts).</summary>
internal static class ShiftLayers
{
    /// <summary>
    /// shift_conv2d: a fixed shift per input channel and a 1×1 convolution. filters (required), kernel_size (3), stride
    /// (1), padding (0), pad_value (0), bias (true), init, input_quantizer, weight_quantizer, weight_clip.
    /// </summary>
    public static Module ShiftConv2d(LayerContext c)
    {
        var g = Geometry(c, "shift_conv2d");
        if (g.InChannels < g.Kernel * g.Kernel)
            throw new ArgumentException($"shift_conv2d with kernel_size {g.Kernel} shifts channels in {g.Kernel * g.Kernel} directions and needs at least that many input channels, but receives {g.InChannels}.");
        int[] weightShape = [g.Filters, g.InChannels, 1, 1];
        var inQ = c.Quantizer("input_quantizer");
        var wQ = c.Quantizer("weight_quantizer", weightShape);
        var init = c.InitWeights(weightShape, g.InChannels, g.Filters);
        var layer = new ShiftConv2d(g.InChannels, g.Filters, g.Kernel, g.Stride, g.Padding, g.Bias, c.Random, inQ, wQ, init, g.PadValue);
        c.ConfigureWeight(layer.Weight, g.InChannels, g.Filters, wQ);
        return layer;
    }

    /// <summary>
    /// shift_attention_conv2d: a Shift Attention Layer. The shift_conv2d fields, plus shared (false: one shift per
    /// connection; true: one per input channel), temperature_start (20), temperature_end (70) and
    /// temperature_schedule (geometric | linear | constant).
    /// </summary>
    public static Module ShiftAttentionConv2d(LayerContext c)
    {
        var g = Geometry(c, "shift_attention_conv2d");
        var f = c.Fields;
        if (g.Kernel < 2) throw f.Error("kernel_size", "must be ≥ 2 for shift_attention_conv2d (its logits are normalised by their standard deviation over the k·k positions).");
        bool shared = f.Bool("shared", false);
        var kind = f.String("temperature_schedule", "geometric", ["geometric", "linear", "constant"]) switch
        {
            "linear" => TemperatureScheduleKind.Linear,
            "constant" => TemperatureScheduleKind.Constant,
            _ => TemperatureScheduleKind.Geometric,
        };
        double start = f.Double("temperature_start", 20, 1e-6, 1e6);
        double end = f.Double("temperature_end", kind == TemperatureScheduleKind.Constant ? start : 70, 1e-6, 1e6);
        if (kind == TemperatureScheduleKind.Constant && end != start)
            throw f.Error("temperature_end", $"is {end} but a constant schedule keeps temperature_start ({start}); leave it out or use \"geometric\" or \"linear\".");
        int area = g.Kernel * g.Kernel;
        int[] weightShape = [g.Filters, g.InChannels, g.Kernel, g.Kernel];
        var inQ = c.Quantizer("input_quantizer");
        var wQ = c.Quantizer("weight_quantizer", weightShape);
        var init = c.InitWeights(weightShape, g.InChannels * area, g.Filters * area);
        var layer = new ShiftAttentionConv2d(g.InChannels, g.Filters, g.Kernel, g.Stride, g.Padding, shared, g.Bias, c.Random,
            new TemperatureSchedule(start, end, kind), inQ, wQ, init, padValue: g.PadValue);
        c.ConfigureWeight(layer.Weight, g.InChannels * area, g.Filters * area, wQ);
        return layer;
    }

    /// <summary>The fields of a <see cref="Nn.Layers.ShiftConv2d"/> layer.</summary>
    public static JsonObject? WriteShiftConv2d(Module module, LayerWriter w) =>
        module is Nn.Layers.ShiftConv2d layer ? w.Weighted(GeometryFields(layer), layer) : null;

    /// <summary>The fields of a <see cref="Nn.Layers.ShiftAttentionConv2d"/> layer.</summary>
    public static JsonObject? WriteShiftAttentionConv2d(Module module, LayerWriter w)
    {
        if (module is not Nn.Layers.ShiftAttentionConv2d layer) return null;
        var entry = GeometryFields(layer);
        entry["shared"] = layer.Shared;
        entry["temperature_schedule"] = layer.Schedule.Kind switch
        {
            TemperatureScheduleKind.Linear => "linear",
            TemperatureScheduleKind.Constant => "constant",
            _ => "geometric",
        };
        entry["temperature_start"] = layer.Schedule.Start;
        entry["temperature_end"] = layer.Schedule.End;
        return w.Weighted(entry, layer);
    }

    private static JsonObject GeometryFields(ShiftLayerBase layer) => new()
    {
        ["filters"] = layer.OutChannels,
        ["kernel_size"] = layer.KernelSize,
        ["stride"] = layer.Stride,
        ["padding"] = layer.Padding,
        ["pad_value"] = layer.PadValue,
    };

    private readonly record struct ShiftGeometryFields(int InChannels, int Filters, int Kernel, int Stride, int Padding, double PadValue, bool Bias);

    private static ShiftGeometryFields Geometry(LayerContext c, string type)
    {
        c.RequireImage(type);
        var f = c.Fields;
        int filters = f.Int("filters", 0, 1);
        if (filters == 0) throw f.Error("filters", "is required (output channels ≥ 1).");
        return new ShiftGeometryFields(c.InputShape[0], filters, f.Int("kernel_size", 3, 1, 64), f.Int("stride", 1, 1, 64),
            f.Int("padding", 0, 0, 64), f.Double("pad_value", 0, -1e6, 1e6), f.Bool("bias", true));
    }
}
