using Lowbit.Hardware.ModelCost;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;

namespace Lowbit.Hardware.Tests.ModelCost;

/// <summary>
/// Shift layers in the cost model: a SAL costs as its rounded layer (O·C weights, one MAC per active connection and
/// output pixel) plus Hacene et al.'s shift indices at 4 bits (one per connection unshared, one per input channel
/// shared); a fixed shift layer as a 1×1 convolution.
/// </summary>
public sealed class ShiftLayerCostTests
{
    [Theory]
    [InlineData(false, 16L * 8)]
    [InlineData(true, 16L)]
    public void ShiftAttention_CountsWeightsIndicesAndMacs(bool shared, long indices)
    {
        // At a very large temperature every row is one-hot: nothing is pruned.
        var model = new Sequential(new ShiftAttentionConv2d(16, 8, 3, 1, 1, shared, bias: false, new Random(1)) { Temperature = 1e6 });
        var description = ModelCostMapper.Describe(model, [16, 10, 10], "sal");
        var row = description.Network.Layers.Single();
        Assert.Equal((128L, 100L * 128, 16L, indices, 4), (row.Weights, row.Macs, row.FanIn, row.ShiftIndices, row.ShiftIndexBits));
        Assert.Equal([new KeyValuePair<int, long>(4, indices), new KeyValuePair<int, long>(32, 128)], description.Layers[0].ParametersByBits);
        var report = CostModel.Estimate(description.Network);
        Assert.Equal(32 * 128 + 4 * indices, report.Totals.TotalBits);
        Assert.Equal(4 * indices, report.Totals.MetadataBits);
    }

    [Fact]
    public void ShiftAttention_PrunedConnectionsCostNoMacs()
    {
        var logits = Lowbit.Tensors.Tensor.Zeros(2, 3, 9);
        for (int r = 0; r < 6; r++) logits.SetFlat(r * 9 + r, 1);     // one clear maximum per row: selected
        logits.SetFlat(5 * 9 + 8, 1);                                 // last row: a tie, pruned
        var model = new Sequential(new ShiftAttentionConv2d(3, 2, 3, 1, 1, shared: false, bias: false, new Random(2), attentionInit: logits));
        var row = ModelCostMapper.FromModel(model, [3, 4, 4], "pruned").Layers.Single();
        Assert.Equal((6L, 16L * 5), (row.Weights, row.Macs));
    }

    [Fact]
    public void ShiftConv_IsAPointwiseConvolutionWithoutIndices()
    {
        var model = new Sequential(new ShiftConv2d(9, 4, 3, 2, 1, bias: true, new Random(3), weightQuantizer: new SteSign()));
        var description = ModelCostMapper.Describe(model, [9, 8, 8], "shift");
        var row = description.Network.Layers.Single();
        Assert.Equal((36L, 16L * 36, 9L, 0L), (row.Weights, row.Macs, row.FanIn, row.ShiftIndices));
        Assert.Equal(OperandEncoding.Binary, row.WeightEncoding);
        Assert.Equal([new KeyValuePair<int, long>(1, 36), new KeyValuePair<int, long>(32, 4)], description.Layers[0].ParametersByBits);
    }
}
