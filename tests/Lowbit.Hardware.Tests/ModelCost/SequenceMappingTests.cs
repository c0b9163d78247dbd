using Lowbit.Hardware.ModelCost;
using Lowbit.Nn.Layers;
using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Quantization;

namespace Lowbit.Hardware.Tests.ModelCost;

/// <summary>Cost rows of language models, per token (one time step), against hand counts.</summary>
public sealed class SequenceMappingTests
{
    [Fact]
    public void EmbeddingTwoLayerLstmDecoder_RowsPerStackedLayer_HandCounts()
    {
        // Embedding 50 x 8, LSTM 8 -> 6 (2 layers, 2-bit DoReFa weights, 3-bit hidden), decoder 6 -> 50 with bias.
        var random = new Random(1);
        var quantizers = new RecurrentQuantizers(Weight: () => new DoReFaWeight(2), Hidden: () => new LinearQuant(3));
        var model = new Sequential(new Embedding(50, 8, random), new Lstm(8, 6, random, layers: 2, quantizers: quantizers), new Decoder(6, 50, random));

        var rows = ModelCostMapper.FromModel(model, [50], "lm").Layers;

        Assert.Equal(["0:Embedding", "1:Lstm.ih0", "1:Lstm.hh0", "1:Lstm.ih1", "1:Lstm.hh1", "2:Decoder"], rows.Select(r => r.Name).ToArray());
        Assert.Equal((400L, 0L), (rows[0].Weights, rows[0].Macs));                    // a look-up: V·E weights, no MACs
        Assert.Equal((24L * 8, 24L * 8), (rows[1].Weights, rows[1].Macs));            // W_ih0 [4·6, 8]
        Assert.Equal(OperandEncoding.Float32, rows[1].ActivationEncoding);            // reads the float embedding
        Assert.Equal(48L, rows[1].OtherFloatParameters);                              // b_ih + b_hh
        Assert.Equal((24L * 6, 24L * 6), (rows[2].Weights, rows[2].Macs));            // W_hh0 [24, 6]
        Assert.Equal(OperandEncoding.Uniform(3), rows[2].ActivationEncoding);         // reads h_{t−1} at 3 bits
        Assert.Equal(OperandEncoding.Uniform(2), rows[2].WeightEncoding);
        Assert.Equal(OperandEncoding.Uniform(3), rows[3].ActivationEncoding);         // layer 1 reads layer 0's h
        Assert.Equal((24L * 6, 24L * 6), (rows[3].Weights, rows[3].Macs));
        Assert.Equal((300L, 300L, 50L), (rows[5].Weights, rows[5].Macs, rows[5].OtherFloatParameters));
        Assert.Equal(OperandEncoding.Uniform(3), rows[5].ActivationEncoding);
    }

    [Fact]
    public void TiedDecoder_CountsTheTableOnce()
    {
        var random = new Random(2);
        var embedding = new Embedding(40, 6, random);
        var model = new Sequential(embedding, new Gru(6, 6, random), new Decoder(6, 40, random, tiedTo: embedding));

        var rows = ModelCostMapper.FromModel(model, [40], "tied").Layers;

        Assert.Equal(0L, rows[0].Weights);                          // stored once, in the decoder row
        Assert.Equal((18L * 6, 18L * 6), (rows[1].Weights, rows[1].Macs)); // GRU: W_ih [3·6, 6]
        Assert.Equal((240L, 240L), (rows[3].Weights, rows[3].Macs));
        Assert.Equal(model.Parameters().Sum(p => (long)p.Value.Length),
            rows.Sum(r => r.Weights + r.ScaleCount + r.OtherFloatParameters));
    }
}
