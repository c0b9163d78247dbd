using System.Text.Json;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Testing;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;
using Lowbit.Training.Optimizers;

namespace Lowbit.Training.Tests;

/// <summary>What a checkpoint restores is checked against the model before it is used.</summary>
public class CheckpointStateTests
{
    private static Adam NewAdam(out Linear layer)
    {
        layer = new Linear(4, 3, bias: true, new Random(1));
        return new Adam(new Sequential(layer).NamedParameters().ToList(), 0.01, 0.9, 0.999, 1e-8, 0);
    }

    [Fact]
    public void OptimizerLoadState_RoundTrip()
    {
        var adam = NewAdam(out _);
        var state = new Dictionary<string, Tensor> { ["m:0.weight"] = Tensor.Zeros(12), ["step"] = Tensor.Scalar(5, DType.Float64) };
        adam.LoadState(state);
        Assert.Equal(5, adam.StepCount);
    }

    [Theory]
    [InlineData("m:9.weight", 12, "names no parameter")]
    [InlineData("m:0.weight", 11, "needs Float32 [12]")]
    [InlineData("nonsense", 12, "names no parameter")]
    public void OptimizerLoadState_EntryThatFitsNoParameter_IsRejected(string key, int length, string expected)
    {
        var adam = NewAdam(out _);
        var ex = Assert.Throws<ArgumentException>(() => adam.LoadState(new Dictionary<string, Tensor> { [key] = Tensor.Zeros(length) }));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(2.5)]
    [InlineData(double.NaN)]
    public void OptimizerLoadState_BadStepCount_IsRejected(double step)
    {
        var adam = NewAdam(out _);
        Assert.Throws<ArgumentException>(() => adam.LoadState(new Dictionary<string, Tensor> { ["step"] = Tensor.Scalar(step, DType.Float64) }));
    }

    [Theory]
    [InlineData("{\"type\":\"quant_activation\",\"quantizer\":{\"type\":\"pact\",\"bits\":2}}", "alpha", "pact")]
    [InlineData("{\"type\":\"quant_activation\",\"quantizer\":{\"type\":\"lsq\",\"bits\":2}}", "step", "lsq")]
    public void LoadStateDict_NonPositiveQuantizerScale_IsRejected(string quantizerLayer, string tensor, string expected)
    {
        string json = "{\"layers\":[{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":4}," + quantizerLayer + ",{\"type\":\"dense\",\"units\":10}]}";
        var model = ModelBuilder.Build(ConfigLoader.Parse(json, "q.json"), [1, 28, 28]);
        var state = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        string key = state.Keys.Single(k => k.EndsWith("." + tensor, StringComparison.Ordinal));
        state[key].Fill(-1);
        var ex = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private sealed class CancelImmediately(CancellationTokenSource cts) : ITrainingObserver
    {
        public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate) => cts.Cancel();

        public void BatchFinished(int epoch, int batch, double loss)
        {
        }

        public void EpochFinished(EpochMetrics metrics, bool best)
        {
        }

        public void Message(string text)
        {
        }
    }

    [Fact]
    public void InterruptBeforeTheFirstStep_SavesAResumableCheckpoint()
    {
        // No loss yet: the state's last finite loss is NaN, which plain JSON cannot hold.
        string root = SyntheticIdx.TempFolder("cancel-first");
        string data = SyntheticIdx.Write(Path.Combine(root, "data"), 30, 10);
        var config = ConfigLoader.Parse(TrainedCheckpoint.Config, "tiny.json", ["data.path=" + JsonSerializer.Serialize(data)]);
        string run = Path.Combine(root, "run");
        using var cts = new CancellationTokenSource();
        var outcome = new Trainer(config, DataResolver.Load(config.Data), run, new CancelImmediately(cts)).Run(cts.Token);
        Assert.False(outcome.Completed);
        var checkpoint = RunCheckpoint.Load(Path.Combine(run, Trainer.CheckpointFile));
        Assert.True(double.IsNaN(checkpoint.RequireState().LastFiniteLoss));
        var resumed = new Trainer(config, DataResolver.Load(config.Data), run);
        resumed.Resume();
        Assert.True(resumed.Run().Completed);
        Directory.Delete(root, true);
    }
}
