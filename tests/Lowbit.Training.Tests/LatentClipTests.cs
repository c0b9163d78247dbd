using Lowbit.Nn.Layers;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>Latent-weight clipping: an explicit weight_clip, or the range the weight quantizer's method prescribes.</summary>
public class LatentClipTests
{
    private static Linear[] Dense(string layerExtra, string quantizer)
    {
        var c = ConfigLoader.Parse($$"""
            { "layers": [ { "type": "flatten" },
                          { "type": "dense", "units": 6, "weight_quantizer": "{{quantizer}}" {{layerExtra}} },
                          { "type": "dense", "units": 3, "weight_quantizer": "{{quantizer}}" } ] }
            """, "c.json");
        return ModelBuilder.Build(c, [1, 2, 5]).Children.Select(x => x.Module).OfType<Linear>().ToArray();
    }

    [Theory]
    [InlineData("fm_binary")]
    [InlineData("fm_ternary")]
    public void FewMultiplications_ClipsToW0_ByDefault(string quantizer)
    {
        var dense = Dense("", quantizer);
        // W0 = sqrt(6 / (fan_in + fan_out)) / 2: layer 1 has 10 inputs and 6 outputs, layer 2 has 6 and 3.
        double w1 = Math.Sqrt(6.0 / 16) / 2, w2 = Math.Sqrt(6.0 / 9) / 2;
        Assert.Equal((-w1, w1), dense[0].Weight.Clip);
        Assert.Equal((-w2, w2), dense[1].Weight.Clip);
    }

    [Fact]
    public void ExplicitWeightClip_Wins()
    {
        var dense = Dense(""", "weight_clip": 0.5""", "fm_binary");
        Assert.Equal((-0.5, 0.5), dense[0].Weight.Clip);
        Assert.NotNull(dense[1].Weight.Clip);
    }

    [Fact]
    public void OtherQuantizers_PrescribeNoClip()
    {
        var dense = Dense("", "ste_sign");
        Assert.Null(dense[0].Weight.Clip);
    }
}
