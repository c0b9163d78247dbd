using System.Text.Json;
using Lowbit.Cli;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Api.Tests;

/// <summary>
/// A binarized MLP built in C#: fit, evaluate, save, load, export, infer, summarise through <see cref="LowbitModel"/>,
/// with the files it writes read back by the lowbit command itself.
/// </summary>
public sealed class LowbitModelTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lowbit-api-" + Guid.NewGuid().ToString("N"));

    public LowbitModelTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential BinaryMlp(int seed)
    {
        var r = new Random(seed);
        return new Sequential(
            new Flatten(),
            new Linear(784, 64, bias: false, r, weightQuantizer: new SteSign()).ClipWeights(1),
            new BatchNorm1d(64, epsilon: 1e-4),
            new Linear(64, 64, bias: false, r, new SteSign(), new SteSign()).ClipWeights(1),
            new BatchNorm1d(64, epsilon: 1e-4),
            new Linear(64, 10, bias: false, r, new SteSign(), new SteSign()).ClipWeights(1),
            new BatchNorm1d(10, epsilon: 1e-4));
    }

    private static DataSource SmallMnist => DataSource.Mnist() with { Validation = 500, TrainLimit = 2000, TestLimit = 500 };

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void BinaryMlp_FitEvaluateSaveLoadExportInfer_AndTheCliReadsEveryFile()
    {
        var model = new LowbitModel(BinaryMlp(1), SmallMnist, new TrainingOptions { Name = "api-bnn", Epochs = 2, Loss = "squared_hinge", LearningRate = 0.003, Threads = 2 });
        string run = Path.Combine(_dir, "run");
        var outcome = model.Fit(run);
        Assert.True(outcome.Completed);
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.lbck")) && File.Exists(Path.Combine(run, "metrics.csv")) && File.Exists(Path.Combine(run, "result.json")));
        var evaluation = model.Evaluate();
        Assert.Equal(500, evaluation.Images);
        Assert.True(evaluation.Accuracy > 0.6, $"a binarized MLP on 2,000 MNIST images should pass 60 % after 2 epochs, got {evaluation.Accuracy:P1}");

        string saved = Path.Combine(_dir, "model.lbck");
        model.Save(saved);
        var loaded = LowbitModel.Load(saved);
        Assert.Equal(evaluation, loaded.Evaluate());

        // lowbit eval reads the saved checkpoint and the run's, and reports the same accuracy.
        foreach (string checkpoint in new[] { saved, Path.Combine(run, "checkpoint.lbck") })
        {
            var (code, output, error) = Cli("eval", "--checkpoint", checkpoint);
            Assert.True(code == 0, error);
            Assert.Contains($"accuracy {100 * evaluation.Accuracy:F2} %", output, StringComparison.Ordinal);
        }

        string packedPath = Path.Combine(_dir, "model.lbpm");
        var packed = loaded.Export(packedPath);
        var data = loaded.LoadData();
        var classes = new InferenceSession(PackedModelFile.Read(packedPath)).Predict(data.Test.Pixels, data.Test.Count);
        double packedAccuracy = classes.Where((c, i) => c == data.Test.Labels[i]).Count() / (double)data.Test.Count;
        Assert.Equal(evaluation.Accuracy, packedAccuracy);
        Assert.Equal(packed.Layers.Count, PackedModelFile.Read(packedPath).Layers.Count);

        // lowbit infer runs the library's packed file (on the full test set) and verifies it against the saved checkpoint.
        var infer = Cli("infer", "--model", packedPath, "--verify", saved);
        Assert.True(infer.Code == 0, infer.Err + infer.Out);
        Assert.Contains("bit-exact", infer.Out, StringComparison.Ordinal);

        // lowbit export of the saved checkpoint writes the same bytes as the library's export.
        string cliPacked = Path.Combine(_dir, "cli.lbpm");
        var export = Cli("export", "--checkpoint", saved, "--out", cliPacked);
        Assert.True(export.Code == 0, export.Err);
        Assert.Equal(File.ReadAllBytes(cliPacked), File.ReadAllBytes(packedPath));

        string summary = loaded.Summary();
        Assert.Contains("api-bnn", summary, StringComparison.Ordinal);
        Assert.Equal(0, Cli("summary", "--checkpoint", saved).Code);
    }

    [Fact]
    public void Defaults_AreTheCommandsDefaults_ButThreadsUseEveryCore()
    {
        var model = new LowbitModel(BinaryMlp(2), DataSource.Mnist());
        var config = model.Config;
        Assert.Equal(Environment.ProcessorCount, config.Threads);
        var fromJson = Training.Config.ConfigLoader.Parse("""{ "layers": [ { "type": "flatten" } ] }""", "defaults.json");
        Assert.Equal(fromJson.Optimizer, config.Optimizer);
        Assert.Equal(fromJson.Schedule, config.Schedule);
        Assert.Equal(fromJson.Train, config.Train);
        Assert.Equal(fromJson.Loss, config.Loss);
        Assert.Equal(fromJson.Data with { Path = null }, config.Data with { Path = null });
        Assert.Equal([1, 28, 28], model.InputShape);
    }

    [Fact]
    public void SetAssignments_ReachTheConfig_AndBadOnesAreConfigErrors()
    {
        var model = new LowbitModel(BinaryMlp(3), DataSource.Mnist(), new TrainingOptions { Optimizer = "sgd", Set = ["optimizer.momentum=0.9", "optimizer.nesterov=true"] });
        Assert.Equal(("sgd", 0.9, true), (model.Config.Optimizer.Type, model.Config.Optimizer.Momentum, model.Config.Optimizer.Nesterov));
        var e = Assert.Throws<Training.Config.ConfigException>(() => new LowbitModel(BinaryMlp(3), DataSource.Mnist(), new TrainingOptions { Set = ["optimizer.mommentum=0.9"] }));
        Assert.Contains("mommentum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NetworkThatDoesNotFitTheData_IsAnArgumentError()
    {
        var r = new Random(1);
        var network = new Sequential(new Flatten(), new Linear(100, 10, bias: true, r));
        var e = Assert.Throws<ArgumentException>(() => new LowbitModel(network, DataSource.Mnist()));
        Assert.StartsWith("the network does not fit mnist images [1, 28, 28]: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("expects input [100] per example but receives [784]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_IntoAFolderHoldingARun_Refused()
    {
        var model = new LowbitModel(BinaryMlp(4), SmallMnist with { TrainLimit = 200 }, new TrainingOptions { Epochs = 1, Threads = 1 });
        string run = Path.Combine(_dir, "once");
        model.Fit(run);
        var e = Assert.Throws<InvalidOperationException>(() => model.Fit(run));
        Assert.Contains("already holds a run", e.Message, StringComparison.Ordinal);
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json")));
        Assert.Equal(1, result.RootElement.GetProperty("threads").GetInt32());
        Assert.NotNull(CheckpointModel.Load(Path.Combine(run, Trainer.CheckpointFile)).Model);
    }
}
