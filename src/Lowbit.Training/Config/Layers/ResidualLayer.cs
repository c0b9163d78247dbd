using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;

namespace Lowbit.Training.Config.Layers;

/// <summary>
/// residual: <c>{"type": "residual", "body": [layers], "shortcut": "identity" | "conv" | "avg_pool_conv" | "pad" | [layers]}</c>.
/// The body is any layer list (residual blocks may nest); the shortcut is the identity (default), a generated real-valued
/// projection to the body's output shape, or an explicit layer list.
/// </summary>
/// <remarks>
/// Generated shortcuts (s = the body's spatial stride, C_out = its output channels; never quantized, so they stay real
/// even under a <c>quantization</c> block):
/// "conv": conv2d 1×1, stride s, C_out filters, no bias, he init; batch_norm (He et al.'s option B).
/// "avg_pool_conv": avg_pool s×s (when s &gt; 1); conv2d 1×1, C_out filters, no bias, he init; batch_norm (Bi-Real Net).
/// "pad": keep every s-th pixel and add zero channels, half in front and half behind (He et al.'s option A, no parameters).
/// </remarks>
internal static class ResidualLayer
{
    /// <summary>Shortcut names besides an explicit list.</summary>
    private static readonly string[] s_shortcuts = ["identity", "conv", "avg_pool_conv", "pad"];

    /// <summary>Builds the block.</summary>
    public static Module Create(LayerContext c)
    {
        var f = c.Fields;
        if (!f.Has("body")) throw f.Error("body", "is required: the block's layer list, e.g. [{\"type\": \"conv2d\", ...}, {\"type\": \"batch_norm\"}].");
        var bodyNodes = f.Array("body");
        if (bodyNodes.Count == 0) throw f.Error("body", "is empty; a residual block needs at least one layer.");
        var body = c.Layers(bodyNodes, "body", c.InputShape);
        var output = body.OutputShape(c.InputShape);
        var node = f.Raw("shortcut");
        Sequential? shortcut = node switch
        {
            null => null,
            JsonArray list => c.Layers(list, "shortcut", c.InputShape),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => Generated(c, v.GetValue<string>(), output),
            _ => throw f.Error("shortcut", $"must be one of {string.Join(", ", s_shortcuts)} or a layer list; got {JsonFields.Kind(node)}."),
        };
        return new Residual(body, shortcut);
    }

    /// <summary>
    /// The fields of a <see cref="Residual"/> block: its body, and its shortcut as a layer list (none for the identity;
    /// "pad" for a <see cref="ChannelPadShortcut"/>, whose split of the new channels is the one "pad" generates).
    /// </summary>
    public static JsonObject? Write(Module module, LayerWriter w)
    {
        if (module is not Residual block) return null;
        var entry = new JsonObject { ["body"] = w.Layers(block.Body, "body") };
        if (block.Shortcut is { Layers: [ChannelPadShortcut pad] })
        {
            int added = pad.Before + pad.After;
            if (pad.Before != added / 2)
                throw new NotSupportedException($"{w.Path}.shortcut: channel padding {pad.Before} in front and {pad.After} behind; shortcut \"pad\" puts {added / 2} in front.");
            entry["shortcut"] = "pad";
        }
        else if (block.Shortcut is not null)
        {
            entry["shortcut"] = w.Layers(block.Shortcut, "shortcut");
        }
        return entry;
    }

    /// <summary>The nested lists of a residual entry: its body, then its shortcut when that is a list.</summary>
    public static IEnumerable<JsonArray> Nested(JsonObject entry)
    {
        if (entry["body"] is JsonArray body) yield return body;
        if (entry["shortcut"] is JsonArray shortcut) yield return shortcut;
    }

    private static Sequential? Generated(LayerContext c, string kind, int[] output)
    {
        var input = c.InputShape;
        if (kind == "identity") return null;
        if (Array.IndexOf(s_shortcuts, kind) < 0)
            throw c.Fields.Error("shortcut", $"is \"{ErrorText.Shown(kind)}\" but must be one of {string.Join(", ", s_shortcuts)} or a layer list.");
        if (input.Length != 3 || output.Length != 3)
            throw new ArgumentException($"shortcut \"{kind}\" needs image inputs and outputs [channels, height, width]; the body maps {ShapeUtil.Format(input)} to {ShapeUtil.Format(output)}.");
        int stride = Stride(input, output, kind);
        int outChannels = output[0];
        return kind switch
        {
            "pad" when output[0] < input[0] => throw new ArgumentException($"shortcut \"pad\" can only add channels, but the body maps {input[0]} to {output[0]} channels."),
            "pad" => new Sequential(new ChannelPadShortcut(stride, (outChannels - input[0]) / 2, outChannels - input[0] - (outChannels - input[0]) / 2)),
            "conv" => new Sequential(Projection(c, input[0], outChannels, stride), new BatchNorm2d(outChannels)),
            _ => stride == 1
                ? new Sequential(Projection(c, input[0], outChannels, 1), new BatchNorm2d(outChannels))
                : new Sequential(new AvgPool2d(stride, stride), Projection(c, input[0], outChannels, 1), new BatchNorm2d(outChannels)),
        };
    }

    private static Conv2d Projection(LayerContext c, int inChannels, int outChannels, int stride) =>
        new(inChannels, outChannels, 1, stride, 0, bias: false, c.Random, init: Init.HeUniform(c.Random, [outChannels, inChannels, 1, 1], inChannels));

    /// <summary>The stride s with which a 1×1 window maps the input's height and width to the output's.</summary>
    private static int Stride(int[] input, int[] output, string kind)
    {
        for (int s = 1; s <= Math.Max(input[1], input[2]); s++)
        {
            bool strided = (input[1] - 1) / s + 1 == output[1] && (input[2] - 1) / s + 1 == output[2];
            bool pooled = input[1] / s == output[1] && input[2] / s == output[2];
            if (kind == "avg_pool_conv" ? pooled : strided) return s;
        }
        throw new ArgumentException($"shortcut \"{kind}\" cannot map {ShapeUtil.Format(input)} to the body's output {ShapeUtil.Format(output)} with one stride; write the shortcut as a layer list.");
    }
}
