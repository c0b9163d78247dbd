namespace Lowbit.Hardware;

public sealed partial record LayerCostInput
{
    /// <summary>Describes a dense layer y = W x (+ b) with W of shape [outFeatures, inFeatures].</summary>
    /// <param name="name">Layer name.</param>
    /// <param name="inFeatures">Input features (fan-in).</param>
    /// <param name="outFeatures">Output features.</param>
    /// <param name="weights">Weight encoding.</param>
    /// <param name="activations">Input activation encoding.</param>
    /// <param name="outputBits">Bits per stored output element.</param>
    /// <param name="activeWeightsPerLevel">|A_j| for heterogeneous weights, else null.</param>
    /// <returns>N = in·out, MACs = in·out, S = 1, fan-in = in, outputs = out; no scales or biases (set them with <c>with</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is zero or negative.</exception>
    public static LayerCostInput Dense(
        string name, int inFeatures, int outFeatures, OperandEncoding weights, OperandEncoding activations,
        double outputBits, IReadOnlyList<long>? activeWeightsPerLevel = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        long n = (long)inFeatures * outFeatures;
        return new LayerCostInput
        {
            Name = name,
            Kind = LayerKind.Dense,
            Weights = n,
            Macs = n,
            OutputPositions = 1,
            FanIn = inFeatures,
            WeightEncoding = weights,
            ActivationEncoding = activations,
            ActiveWeightsPerLevel = activeWeightsPerLevel,
            OutputElements = outFeatures,
            OutputBits = outputBits,
        };
    }

    /// <summary>Describes a 2-D convolution with weights [outChannels, inChannels / groups, kernelHeight, kernelWidth].</summary>
    /// <param name="name">Layer name.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelHeight">Kernel height.</param>
    /// <param name="kernelWidth">Kernel width.</param>
    /// <param name="outHeight">Output height.</param>
    /// <param name="outWidth">Output width.</param>
    /// <param name="weights">Weight encoding.</param>
    /// <param name="activations">Input activation encoding.</param>
    /// <param name="outputBits">Bits per stored output element.</param>
    /// <param name="groups">Convolution groups; must divide both channel counts.</param>
    /// <param name="activeWeightsPerLevel">|A_j| for heterogeneous weights, else null.</param>
    /// <returns>N = C_out·(C_in/g)·k_h·k_w, S = H_out·W_out, MACs = S·N, fan-in = (C_in/g)·k_h·k_w, outputs = C_out·S.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is zero or negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="groups"/> does not divide the channel counts.</exception>
    public static LayerCostInput Conv2d(
        string name, int inChannels, int outChannels, int kernelHeight, int kernelWidth, int outHeight, int outWidth,
        OperandEncoding weights, OperandEncoding activations, double outputBits, int groups = 1,
        IReadOnlyList<long>? activeWeightsPerLevel = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException(
                $"Layer '{name}': groups = {groups} must divide inChannels = {inChannels} and outChannels = {outChannels}.", nameof(groups));
        }

        long fanIn = (long)(inChannels / groups) * kernelHeight * kernelWidth;
        long positions = (long)outHeight * outWidth;
        long n = outChannels * fanIn;
        return new LayerCostInput
        {
            Name = name,
            Kind = LayerKind.Conv2d,
            Weights = n,
            Macs = positions * n,
            OutputPositions = positions,
            FanIn = fanIn,
            WeightEncoding = weights,
            ActivationEncoding = activations,
            ActiveWeightsPerLevel = activeWeightsPerLevel,
            OutputElements = outChannels * positions,
            OutputBits = outputBits,
        };
    }

    /// <summary>Describes batch normalization over <paramref name="channels"/> channels of <paramref name="positions"/> positions each.</summary>
    /// <param name="name">Layer name.</param>
    /// <param name="channels">Channels (features for a dense network).</param>
    /// <param name="positions">Spatial positions per channel (1 after a dense layer).</param>
    /// <param name="outputBits">Bits per stored output element.</param>
    /// <returns>4·C float parameters (γ, β, running mean, running variance), no MACs, C·positions outputs.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is zero or negative.</exception>
    public static LayerCostInput BatchNorm(string name, int channels, long positions, double outputBits)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(positions);
        return NoWeights(name, LayerKind.BatchNorm, channels * positions, outputBits) with { OtherFloatParameters = 4L * channels };
    }

    /// <summary>Describes a pooling layer with output [channels, outHeight, outWidth].</summary>
    /// <param name="name">Layer name.</param>
    /// <param name="channels">Channels.</param>
    /// <param name="outHeight">Output height.</param>
    /// <param name="outWidth">Output width.</param>
    /// <param name="outputBits">Bits per stored output element.</param>
    /// <returns>No parameters, no MACs, C·H·W outputs.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is zero or negative.</exception>
    public static LayerCostInput Pool(string name, int channels, int outHeight, int outWidth, double outputBits)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outWidth);
        return NoWeights(name, LayerKind.Pool, (long)channels * outHeight * outWidth, outputBits);
    }

    private static LayerCostInput NoWeights(string name, LayerKind kind, long outputs, double outputBits) => new()
    {
        Name = name,
        Kind = kind,
        Weights = 0,
        Macs = 0,
        OutputPositions = 0,
        FanIn = 0,
        WeightEncoding = OperandEncoding.Float32,
        ActivationEncoding = OperandEncoding.Float32,
        OutputElements = outputs,
        OutputBits = outputBits,
    };
}
