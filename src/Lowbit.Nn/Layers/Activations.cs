using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>max(x, 0).</summary>
public sealed class Relu : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Tensor.Relu(x);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape) => CostRules.Elementwise(inputShape);
}

/// <summary>clip(x, −1, 1).</summary>
public sealed class HardTanh : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Tensor.HardTanh(x);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape) => CostRules.Elementwise(inputShape);
}

/// <summary>Applies a quantizer as a layer (e.g. sign activations placed explicitly after batch norm).</summary>
public sealed class QuantActivation : Module
{
    /// <summary>Wraps <paramref name="quantizer"/>.</summary>
    public QuantActivation(Quantizer quantizer) => Quantizer = AddModule("quantizer", new QuantizerModule(quantizer));

    /// <summary>The quantizer.</summary>
    public QuantizerModule Quantizer { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Quantizer.Forward(x);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape) => Quantizer.Cost(inputShape);

    /// <inheritdoc/>
    public override string Describe() => $"QuantActivation({Quantizer.Describe()})";
}

/// <summary>Inverted dropout: zeroes each element with probability p in training and scales survivors by 1/(1 − p).</summary>
public sealed class Dropout : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="probability">Drop probability in [0, 1).</param>
    public Dropout(double probability)
    {
        if (!(probability >= 0 && probability < 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "Dropout probability must be in [0, 1).");
        Probability = probability;
    }

    /// <summary>Drop probability.</summary>
    public double Probability { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!Training || Probability == 0) return x;
        var random = Random ?? throw new InvalidOperationException("Dropout in training mode needs a generator: call SetRandom(...) on the model before the forward pass.");
        var mask = Tensor.Empty(x.DType, x.Shape.ToArray()); // a step buffer under the trainer's arena
        double keep = 1.0 / (1.0 - Probability);
        if (x.DType == DType.Float32)
        {
            // One draw per element in order, as the double path: the same masks for float32 and float64.
            var m = mask.AsSpan();
            float keepFloat = (float)keep;
            for (int i = 0; i < m.Length; i++) m[i] = random.NextDouble() >= Probability ? keepFloat : 0f;
        }
        else
        {
            for (int i = 0; i < mask.Length; i++) mask.SetFlat(i, random.NextDouble() >= Probability ? keep : 0.0);
        }

        return Tensor.Mul(x, mask);
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape) => ModuleCost.View;

    /// <inheritdoc/>
    public override string Describe() => $"Dropout({Probability})";
}

/// <summary>[N, ...] → [N, prod(...)].</summary>
public sealed class Flatten : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x.Flatten();

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => [ShapeUtil.Product(inputShape)];

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape) => ModuleCost.View;
}

/// <summary>Max pooling over square windows (no padding; stride defaults to the kernel size).</summary>
public sealed class MaxPool2d(int kernelSize, int stride = 0) : Module
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize >= 1 ? kernelSize : throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "Pool kernel must be ≥ 1.");

    /// <summary>Stride.</summary>
    public int Stride { get; } = stride == 0 ? kernelSize : stride;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Tensor.MaxPool2d(x, KernelSize, Stride);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => Pooling.OutputShape(inputShape, KernelSize, Stride, "MaxPool2d");

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape) => CostRules.Pool(inputShape, OutputShape(inputShape), OutputLevels.Preserve);

    /// <inheritdoc/>
    public override string Describe() => $"MaxPool2d({KernelSize}, stride {Stride})";
}

/// <summary>Average pooling over square windows (no padding; stride defaults to the kernel size).</summary>
public sealed class AvgPool2d(int kernelSize, int stride = 0) : Module
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize >= 1 ? kernelSize : throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "Pool kernel must be ≥ 1.");

    /// <summary>Stride.</summary>
    public int Stride { get; } = stride == 0 ? kernelSize : stride;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Tensor.AvgPool2d(x, KernelSize, Stride);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => Pooling.OutputShape(inputShape, KernelSize, Stride, "AvgPool2d");

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape) => CostRules.Pool(inputShape, OutputShape(inputShape), OutputLevels.Float);

    /// <inheritdoc/>
    public override string Describe() => $"AvgPool2d({KernelSize}, stride {Stride})";
}

internal static class Pooling
{
    public static int[] OutputShape(int[] s, int k, int stride, string name)
    {
        if (s.Length != 3) throw new ArgumentException($"{name} expects [channels, height, width] per example but receives {ShapeUtil.Format(s)}.");
        if (s[1] < k || s[2] < k) throw new ArgumentException($"{name} window {k} is larger than the input {ShapeUtil.Format(s)}.");
        return [s[0], (s[1] - k) / stride + 1, (s[2] - k) / stride + 1];
    }
}
