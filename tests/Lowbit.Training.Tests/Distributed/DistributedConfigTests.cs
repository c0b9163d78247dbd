using Lowbit.Training.Config;

namespace Lowbit.Training.Tests.Distributed;

public class DistributedConfigTests
{
    private const string Layers = "\"layers\": [ { \"type\": \"flatten\" }, { \"type\": \"dense\", \"units\": 10 } ]";

    [Fact]
    public void NoBlock_GivesDefaults()
    {
        var c = ConfigLoader.Parse("{ " + Layers + " }", "t.json");
        Assert.Equal(DistributedConfig.Default, c.Distributed);
        Assert.Null(c.Distributed.GradientBits);
        Assert.False(c.Distributed.Overlap);
        Assert.Equal(1 << 20, c.Distributed.BucketValues);
    }

    [Fact]
    public void Block_IsRead()
    {
        var c = ConfigLoader.Parse("{ " + Layers + ", \"distributed\": { \"gradient_bits\": 6, \"bucket_mb\": 0.5, \"overlap\": true, \"timeout_seconds\": 60 } }", "t.json");
        Assert.Equal(new DistributedConfig(6, 0.5, true, 60), c.Distributed);
        Assert.Equal(131072, c.Distributed.BucketValues);
    }

    [Theory]
    [InlineData("\"gradient_bits\": 0", "distributed.gradient_bits")]
    [InlineData("\"gradient_bits\": 17", "distributed.gradient_bits")]
    [InlineData("\"bucket_mb\": 0", "distributed.bucket_mb")]
    [InlineData("\"timeout_seconds\": 0", "distributed.timeout_seconds")]
    [InlineData("\"overlapp\": true", "distributed.overlapp")]
    public void BadField_IsOneLineErrorNamingIt(string field, string name)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("{ " + Layers + ", \"distributed\": { " + field + " } }", "t.json"));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }
}
