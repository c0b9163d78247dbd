using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;
using Lowbit.Testing;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class BitPruningRegularizerTests
{
    private static Tensor Learnable(params double[] v)
    {
        var t = Tensor.FromArray(v, v.Length);
        t.RequiresGrad = true;
        return t;
    }

    private static BitPruningLayer[] Layers(Tensor n1, Tensor n2, Tensor? activation) =>
    [
        new(n1, 100, 100, ActivationBits: 8),
        new(n2, 50, 200, activation),
    ];

    [Theory]
    [InlineData(BitPruningTarget.AverageBits, 10.0 / 3)]      // (4 + 2 + 4)/3
    [InlineData(BitPruningTarget.Memory, 11.0 / 3)]           // (100·4 + 25·2 + 25·4)/150
    [InlineData(BitPruningTarget.BitOperations, 50.0 / 3)]    // (100·4·8 + 200·3·3)/300
    public void Compute_HandValues(BitPruningTarget target, double r)
    {
        var value = new BitPruningRegularizer(target, 0.5).Compute(Layers(Learnable(4), Learnable(2, 4), Learnable(3))).Item();
        Assert.Equal(0.5 * r, value, 12);
    }

    [Theory]
    [InlineData(BitPruningTarget.AverageBits)]
    [InlineData(BitPruningTarget.Memory)]
    [InlineData(BitPruningTarget.BitOperations)]
    public void Compute_GradientMatchesFiniteDifferences(BitPruningTarget target)
    {
        var n1 = Learnable(4.3);
        var n2 = Learnable(2.2, 5.1);
        var na = Learnable(3.5);
        var reg = new BitPruningRegularizer(target, 0.01);
        Tensor[] inputs = target == BitPruningTarget.BitOperations ? [n1, n2, na] : [n1, n2]; // n_a only enters R_ops
        GradCheck.Check(_ => reg.Compute(Layers(n1, n2, na)), inputs, seed: 3);
    }

    [Fact]
    public void Compute_BitOperations_GradientClosedForm()
    {
        var n1 = Learnable(4);
        var n2 = Learnable(2, 4);
        var na = Learnable(3);
        new BitPruningRegularizer(BitPruningTarget.BitOperations, 1).Compute(Layers(n1, n2, na)).Backward();
        Assert.Equal(100.0 * 8 / 300, n1.Grad!.GetFlat(0), 12);     // MAC·n_a/(groups·ΣMAC)
        Assert.Equal(200.0 * 3 / 2 / 300, n2.Grad!.GetFlat(0), 12);
        Assert.Equal(200.0 * 3 / 300, na.Grad!.GetFlat(0), 12);      // MAC·n̄_w/ΣMAC
    }

    [Fact]
    public void Compute_BadInput_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitPruningRegularizer(BitPruningTarget.Memory, -1));
        var reg = new BitPruningRegularizer(BitPruningTarget.BitOperations, 1);
        Assert.Throws<ArgumentException>(() => reg.Compute([]));
        Assert.Throws<ArgumentException>(() => reg.Compute([new BitPruningLayer(Learnable(3), 10, 0)]));
        Assert.Throws<ArgumentException>(() => reg.Compute([new BitPruningLayer(Learnable(3), 10, 5, Learnable(1, 2))]));
    }
}
