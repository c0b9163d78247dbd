using Lowbit.Inference.Format;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Export;

/// <summary>
/// Turns a trained <see cref="Sequential"/> into a <see cref="PackedModel"/> whose predictions, logits and (where the
/// kinds define them) last-layer integer outputs equal the float32 model's in evaluation mode.
/// </summary>
/// <remarks>
/// The model is read as dense blocks: [flatten] → (dense → [batch_norm])+, dropout skipped (identity in evaluation
/// mode). Each block becomes one kind of <see cref="PackedLayerKinds"/>, picked by what arrives (the 8-bit pixels or
/// the previous layer's output), the family of its weight quantizer and the family of its head: the next dense layer's
/// input quantizer (whose batch norm and quantizer are folded into thresholds, <see cref="ThresholdFolding"/>), or the
/// logits (bias and batch norm kept in float32) for the last layer. Supported families: ste_sign (BinaryNet, kinds
/// 1-3), dorefa_weight/dorefa_act (k-bit codes, kinds 4, 5), hbb/residual weights with residual activations of frozen
/// means (kinds 6, 7). Anything else is rejected with a message naming the layer.
/// </remarks>
public static class ModelExporter
{
    /// <summary>Packs <paramref name="model"/>.</summary>
    /// <param name="model">The trained model (its mode is restored afterwards).</param>
    /// <param name="inputShape">Per-example input shape [channels, height, width].</param>
    /// <param name="pixelTable">The float32 value the model receives for each byte value, i.e. its input normalisation: 256
    /// entries for every channel, or 256 per channel (channel c at c·256).</param>
    /// <param name="metadata">JSON text stored with the model (e.g. name and dataset); may be empty, but <c>lowbit infer</c>
    /// needs a "dataset" field to choose its test set (Lowbit.Api's PackedExport.Pack and LowbitModel.Export write it).</param>
    /// <returns>The packed model.</returns>
    /// <exception cref="NotSupportedException">The model contains a layer or quantizer the packed runtime does not support.</exception>
    /// <exception cref="ArgumentException">Shapes disagree or a parameter is not finite.</exception>
    public static PackedModel Export(Sequential model, int[] inputShape, float[] pixelTable, string metadata = "")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(pixelTable);
        if (inputShape.Length != 3) throw new ArgumentException($"Input shape must be [channels, height, width], got [{string.Join(", ", inputShape)}].", nameof(inputShape));
        if (pixelTable.Length != PackedModel.PixelTableSize && pixelTable.Length != PackedModel.PixelTableSize * inputShape[0])
            throw new ArgumentException($"The pixel table needs 256 entries (all channels) or 256·{inputShape[0]} (one per channel) but has {pixelTable.Length}.", nameof(pixelTable));
        var blocks = Blocks(model);
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var _ = GradMode.Disable();
            var layers = new List<PackedLayer>(blocks.Count);
            var input = ActivationSpec.Pixels(inputShape[0], inputShape[1], inputShape[2]);
            float[] levels = pixelTable, scales = [];
            for (int b = 0; b < blocks.Count; b++)
            {
                var site = Site(blocks, b, input, levels, scales, pixelTable);
                var exported = Kind(site).Export!.Export(site);
                layers.AddRange(exported.Layers);
                (input, levels, scales) = (exported.Last.Output, exported.NextLevels, exported.NextScales);
            }
            return new PackedModel(inputShape, (float[])pixelTable.Clone(), metadata ?? "", layers);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>The site of block <paramref name="b"/>: checks what arrives against the block and finds the head's family.</summary>
    internal static ExportSite Site(IReadOnlyList<ExportBlock> blocks, int b, ActivationSpec input, float[] levels, float[] scales, float[] pixelTable)
    {
        var block = blocks[b];
        var layer = block.Layer;
        string name = $"Layer {block.Index} ({layer.Describe()})";
        if (layer.Weight.Value.DType != DType.Float32)
            throw new NotSupportedException($"{name} holds {layer.Weight.Value.DType}; the exporter reproduces float32 models only.");
        if (layer is Conv2d or ShiftLayerBase)
        {
            int channels = layer is Conv2d conv ? conv.InChannels : ((ShiftLayerBase)layer).InChannels;
            if (!input.IsSpatial || input.Channels != channels)
                throw new ArgumentException($"{name} takes [{channels}, height, width] but receives {input}.");
        }
        else if (block.GlobalPool)
        {
            if (!input.IsSpatial || input.Channels != block.Linear.InFeatures)
                throw new ArgumentException($"{name} takes the global average of [{block.Linear.InFeatures}, height, width] but receives {input}.");
        }
        else if (block.Linear.InFeatures != input.Count)
        {
            throw new ArgumentException($"{name} has {block.Linear.InFeatures} inputs but receives {input.Count}.");
        }
        if (input.Encoding == ActivationEncoding.Pixels && layer.InputQuantizer is not null)
            throw new NotSupportedException($"{name}: the first layer must take the real (normalised) pixels, but it has input quantizer {layer.InputQuantizer.Quantizer.Name}.");
        var next = b + 1 < blocks.Count ? blocks[b + 1] : null;
        var head = next is null ? QuantizerCode.Logits : next.TakesReals ? QuantizerCode.Reals : QuantizerCode.OfInputs(next.Layer);
        CheckActivation(block, head, name);
        return new ExportSite(block, next, input, levels, scales, pixelTable, QuantizerCode.OfWeights(layer), head);
    }

    /// <summary>
    /// An activation after a block is kept where the next quantizer does not see it (hard tanh before a sign, relu or
    /// hard tanh before dorefa_act's clip to [0, 1]) and applied where the block's output is real; elsewhere it is refused.
    /// </summary>
    private static void CheckActivation(ExportBlock block, QuantizerCode head, string name)
    {
        bool ok = block.Activation switch
        {
            Format.RealActivation.None => true,
            Format.RealActivation.HardTanh => head.Family is CodeFamily.Signs or CodeFamily.Levels or CodeFamily.Real,
            _ => head.Family is CodeFamily.Levels or CodeFamily.Real,
        };
        if (!ok)
            throw new NotSupportedException($"{name}: a {block.Activation} after this layer changes what {head.Name} sees; the packed exporter keeps " +
                "hard tanh before a sign, relu or hard tanh before dorefa_act, and any of them on real-valued outputs.");
    }

    /// <summary>The kind that packs <paramref name="site"/>: by operation, what arrives, the weights' family and the head's family.</summary>
    /// <exception cref="NotSupportedException">No kind packs this combination; the message says what would.</exception>
    internal static PackedLayerKind Kind(ExportSite site)
    {
        bool last = site.Next is null;
        var operation = site.Block.Operation;
        var forWeights = PackedLayerKinds.All.Where(k => k.Export is { } e && e.Operation == operation && e.PacksWeights(site.Weights.Family) && k.IsOutput == last).ToList();
        if (forWeights.Count == 0)
            throw new NotSupportedException(last && operation != KindOperation.Dense
                ? $"{site.Name}: the last layer must be a dense layer (logits)."
                : $"{site.Name}: {operation switch { KindOperation.Dense => "", KindOperation.Conv => "convolution ", KindOperation.ShiftResidual => "shift layer ", _ => "residual block " }}weights quantized with {site.Weights.Name} cannot be packed; packable weight quantizers: {QuantizerCode.PackableWeights}.");
        var forInput = forWeights.Where(k => k.Inputs.Contains(site.Input.Encoding)).ToList();
        if (forInput.Count == 0)
        {
            var accepted = forWeights.SelectMany(k => k.Inputs).Distinct().Select(e => e.ToString());
            throw new NotSupportedException($"{site.Name}: a layer with {site.Weights.Name} weights cannot take {site.Input} (it takes {string.Join(" or ", accepted)}); its input quantizer must match the weights' family.");
        }
        return forInput.FirstOrDefault(k => k.Export!.Head == site.Head.Family)
            ?? throw new NotSupportedException($"{site.NextName}: inputs after a layer with {site.Weights.Name} weights must be quantized with " +
                $"{string.Join(" or ", forInput.Select(k => QuantizerCode.InputQuantizersOf(k.Export!.Head)))}, got {site.Head.Name}.");
    }

    /// <summary>
    /// The model as blocks: dense layers with their batch norm; convolutions with a max-pool before or after their
    /// batch norm; residual blocks (a convolution and batch norm with an identity or channel-padding shortcut); a
    /// global average pool with a batch norm before the last dense layer; each optionally followed by relu or hard
    /// tanh; flatten and dropout in between (dropout is the identity in evaluation mode).
    /// </summary>
    internal static List<ExportBlock> Blocks(Sequential model)
    {
        var blocks = new List<ExportBlock>();
        var layers = model.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            int at = i;
            ExportBlock block;
            switch (layers[i])
            {
                case Flatten:
                case Dropout:
                    continue;
                case Linear linear:
                    var bn = Take<BatchNorm>(layers, ref i);
                    if (bn is { Spatial: true }) throw new NotSupportedException($"Layer {i} ({bn.Describe()}) follows a dense layer but is spatial.");
                    block = new ExportBlock(linear, bn, at);
                    break;
                case Conv2d conv:
                    if (conv.Groups != 1) throw new NotSupportedException($"Layer {i} ({conv.Describe()}): grouped convolutions cannot be packed yet.");
                    var before = Take<MaxPool2d>(layers, ref i);
                    var norm = Take<BatchNorm>(layers, ref i);
                    var after = before is null ? Take<MaxPool2d>(layers, ref i) : null;
                    block = new ExportBlock(conv, norm, at, before, after);
                    break;
                case Residual residual:
                    block = ResidualBlock(residual, at);
                    break;
                case GlobalAvgPool2d:
                    var pooledNorm = Take<BatchNorm>(layers, ref i);
                    Take<Flatten>(layers, ref i);
                    var dense = Take<Linear>(layers, ref i)
                        ?? throw new NotSupportedException($"Layer {at} (global average pool): the packed exporter needs a dense layer after it (with an optional batch norm in between).");
                    block = new ExportBlock(dense, Take<BatchNorm>(layers, ref i), IndexOf(layers, dense)) { GlobalPool = true, NormBefore = pooledNorm };
                    break;
                default:
                    throw new NotSupportedException($"Layer {i} ({layers[i].Describe()}) is not supported by the packed exporter; it handles dense and " +
                        "convolution layers with batch norm and max-pooling, residual blocks of one convolution with an identity or " +
                        "channel-padding shortcut, global average pooling before the last dense layer, relu and hard tanh after a block " +
                        "(flatten, dropout in between), quantized with ste_sign (binary), dorefa_weight/dorefa_act (k-bit dense) or " +
                        "hbb/residual weights with residual activations of frozen means (HBB dense).");
            }
            var activation = i + 1 < layers.Count ? layers[i + 1] switch
            {
                Relu => Format.RealActivation.Relu,
                HardTanh => Format.RealActivation.HardTanh,
                _ => Format.RealActivation.None,
            } : Format.RealActivation.None;
            if (activation != Format.RealActivation.None) i++;
            blocks.Add(block with { Activation = activation });
        }
        if (blocks.Count < 2) throw new NotSupportedException($"The packed exporter needs at least two dense or convolution layers; the model has {blocks.Count}.");
        return blocks;
    }

    /// <summary>
    /// A residual block whose body is one convolution and its batch norm, or two (convolution, batch norm, relu or hard
    /// tanh, convolution, batch norm), or one shift layer (shift conv or Shift Attention Layer) and its batch norm;
    /// shortcut the identity or channel padding.
    /// </summary>
    private static ExportBlock ResidualBlock(Residual residual, int index)
    {
        var body = residual.Body.Layers;
        string name = $"Layer {index} ({residual.Describe()})";
        var layers = body.ToList();
        int at = -1;
        var shift = Take<ShiftLayerBase>(layers, ref at);
        QuantizedLayer? conv = shift ?? (QuantizedLayer?)Take<Conv2d>(layers, ref at);
        var norm = conv is null ? null : Take<BatchNorm>(layers, ref at);
        var between = at + 1 < layers.Count ? layers[at + 1] switch { Relu => Format.RealActivation.Relu, HardTanh => Format.RealActivation.HardTanh, _ => Format.RealActivation.None } : Format.RealActivation.None;
        if (between != Format.RealActivation.None) at++;
        var second = Take<Conv2d>(layers, ref at);
        var secondNorm = second is null ? null : Take<BatchNorm>(layers, ref at);
        if (conv is null || at != layers.Count - 1 || (second is null && between != Format.RealActivation.None) || (shift is not null && second is not null))
            throw new NotSupportedException($"{name}: the packed exporter handles residual bodies of one convolution (or shift layer) and its batch norm, or of two (convolution, batch norm, relu or hard tanh, convolution, batch norm).");
        if (conv is Conv2d { Groups: not 1 } || second is { Groups: not 1 }) throw new NotSupportedException($"{name}: grouped convolutions cannot be packed yet.");
        var shortcut = residual.Shortcut?.Layers;
        if (shortcut is not null && (shortcut.Count != 1 || shortcut[0] is not ChannelPadShortcut))
            throw new NotSupportedException($"{name}: the packed exporter handles identity and channel-padding (\"pad\") shortcuts.");
        return new ExportBlock(conv, norm, index) { ResidualModule = residual, SecondConv = second, SecondNorm = secondNorm, InnerActivation = between };
    }

    /// <summary>The layer after <paramref name="i"/> if it is a <typeparamref name="T"/> (then <paramref name="i"/> moves to it), else null.</summary>
    private static T? Take<T>(IReadOnlyList<Nn.Module> layers, ref int i) where T : Nn.Module
    {
        if (i + 1 >= layers.Count || layers[i + 1] is not T t) return null;
        i++;
        return t;
    }

    private static int IndexOf(IReadOnlyList<Nn.Module> layers, Nn.Module layer)
    {
        for (int i = 0; i < layers.Count; i++) if (ReferenceEquals(layers[i], layer)) return i;
        return -1;
    }
}
