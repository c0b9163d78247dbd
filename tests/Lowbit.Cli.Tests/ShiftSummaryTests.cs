using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Lowbit.Cli.Tests;

/// <summary>
/// lowbit summary of the shift-network configs against hand counts: ResNet-20's block convolutions hold
/// 6·16·16 + (16·32 + 5·32·32) + (32·64 + 5·64·64) = 29,696 weights of 1×1 connections; the rest (stem conv 432, batch
/// norms 4·688, dense 650) is 3,834. Shift indices at 4 bits: one per connection unshared (29,696), one per input
/// channel shared (6·16 + 16 + 5·32 + 32 + 5·64 = 624), none for fixed shifts.
/// </summary>
public sealed class ShiftSummaryTests
{
    private static string Config(string name, [CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "configs", name + ".json");

    [Theory]
    [InlineData("cifar10-resnet20-shift", 0L)]
    [InlineData("cifar10-resnet20-sal-shared", 624L)]
    [InlineData("cifar10-resnet20-sal-unshared", 29_696L)]
    public void Summary_ShiftConfigs_CountWeightsAndShiftIndices(string name, long indices)
    {
        var (code, output, error) = CliHarness.Run("summary", "--config", Config(name), "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var totals = json.RootElement.GetProperty("totals");
        Assert.Equal(29_696 + 432 + 650 - 10, totals.GetProperty("weights").GetInt64()); // weights exclude the dense bias
        Assert.Equal(4 * indices, totals.GetProperty("metadataBits").GetInt64());
        Assert.Equal(32L * (29_696 + 3_834) + 4 * indices, totals.GetProperty("totalBits").GetInt64());
        long macs = totals.GetProperty("macs").GetInt64();
        // The stem (432·32·32), the head (640) and one MAC per active connection and output pixel; shift: all active.
        // A SAL's initial attention (uniform logits, T = 20) already leaves a few rows at or below 0.5: pruned, fewer MACs
        // (the pruning rule itself is tested on hand-built logits in ShiftLayerTests).
        const long full = 432 * 1024 + 640 + 6 * 256 * 1024 + (512 + 5 * 1024) * 256 + (2048 + 5 * 4096) * 64;
        if (indices == 0) Assert.Equal(full, macs);
        else Assert.InRange(macs, full * 9 / 10, full - 1);
    }

    [Fact]
    public void Summary_ConvBaseline_MatchesResNet20()
    {
        var (code, output, error) = CliHarness.Run("summary", "--config", Config("cifar10-resnet20-conv"), "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(40_551_040, json.RootElement.GetProperty("totals").GetProperty("macs").GetInt64());
    }
}
