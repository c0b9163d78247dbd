using Lowbit.Tensors;

namespace Lowbit.Nn.Losses;

/// <summary>A training loss over model outputs [N, K] and integer class labels.</summary>
public abstract class Loss
{
    /// <summary>Config name.</summary>
    public abstract string Name { get; }

    /// <summary>Mean loss over the batch (rank-0 tensor carrying gradients).</summary>
    public abstract Tensor Compute(Tensor output, ReadOnlySpan<int> labels);

    /// <summary>Creates a loss by config name: softmax_cross_entropy, squared_hinge, mse.</summary>
    public static Loss Create(string name) => name switch
    {
        "softmax_cross_entropy" or "cross_entropy" => new SoftmaxCrossEntropyLoss(),
        "squared_hinge" => new SquaredHingeLoss(),
        "mse" => new MseLoss(),
        _ => throw new ArgumentException($"Unknown loss '{name}'; allowed: softmax_cross_entropy, squared_hinge, mse."),
    };

    /// <summary>One-hot targets [N, K] with <paramref name="on"/> at the label and <paramref name="off"/> elsewhere.</summary>
    protected static Tensor OneHot(ReadOnlySpan<int> labels, int classes, DType type, double on, double off)
    {
        var t = Tensor.Full(type, off, labels.Length, classes);
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes) throw new ArgumentException($"Label {labels[i]} at index {i} is outside 0..{classes - 1}.", nameof(labels));
            t.SetFlat(i * classes + labels[i], on);
        }
        return t;
    }

    /// <summary>Checks output [N, K] against N labels.</summary>
    protected static void CheckShapes(Tensor output, ReadOnlySpan<int> labels, string name)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Rank != 2 || output.Dim(0) != labels.Length)
            throw new ArgumentException($"{name} expects outputs [batch, classes] matching {labels.Length} labels, got {ShapeUtil.Format(output.ShapeSpan)}.");
    }
}

/// <summary>Mean softmax cross-entropy.</summary>
public sealed class SoftmaxCrossEntropyLoss : Loss
{
    /// <inheritdoc/>
    public override string Name => "softmax_cross_entropy";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor output, ReadOnlySpan<int> labels)
    {
        CheckShapes(output, labels, Name);
        return Tensor.CrossEntropy(output, labels);
    }
}

/// <summary>
/// Squared hinge on ±1 one-hot targets, mean over batch and classes: mean(max(0, 1 − t·y)²) (BinaryConnect/BinaryNet).
/// </summary>
public sealed class SquaredHingeLoss : Loss
{
    /// <inheritdoc/>
    public override string Name => "squared_hinge";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor output, ReadOnlySpan<int> labels)
    {
        CheckShapes(output, labels, Name);
        var t = OneHot(labels, output.Dim(1), output.DType, 1, -1);
        var margin = Tensor.Relu(Tensor.AddScalar(Tensor.Neg(Tensor.Mul(t, output)), 1.0));
        return Tensor.Mean(Tensor.Square(margin));
    }
}

/// <summary>Mean squared error against 0/1 one-hot targets, mean over batch and classes.</summary>
public sealed class MseLoss : Loss
{
    /// <inheritdoc/>
    public override string Name => "mse";

    /// <inheritdoc/>
    public override Tensor Compute(Tensor output, ReadOnlySpan<int> labels)
    {
        CheckShapes(output, labels, Name);
        var t = OneHot(labels, output.Dim(1), output.DType, 1, 0);
        return Tensor.Mean(Tensor.Square(Tensor.Sub(output, t)));
    }
}
