using System.Text.Json;
using Lowbit.Cli;
using Lowbit.Nn.Layers;
using Lowbit.Testing;

namespace Lowbit.Api.Tests;

/// <summary>Bring-your-own data: a .npz archive trained on from C# and from a config, and a folder of PGM images.</summary>
public sealed class OwnDataTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lowbit-own-" + Guid.NewGuid().ToString("N"));

    public OwnDataTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Four classes of 8x8 images: a bright 4x4 square in quadrant k on seeded noise.</summary>
    private static (byte[] Pixels, long[] Labels) Quadrants(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 64];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            int k = i % 4;
            labels[i] = k;
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                {
                    bool inside = y / 4 == k / 2 && x / 4 == k % 2;
                    pixels[i * 64 + y * 8 + x] = (byte)((inside ? 150 : 0) + random.Next(100));
                }
        }
        return (pixels, labels);
    }

    private string QuadrantsNpz()
    {
        var (train, trainLabels) = Quadrants(400, 1);
        var (test, testLabels) = Quadrants(100, 2);
        string path = Path.Combine(_dir, "quadrants.npz");
        NpyWriter.Npz(path, [
            ("x_train", NpyWriter.Npy("|u1", [400, 8, 8], train)), ("y_train", NpyWriter.Npy("<i8", [400], NpyWriter.Int64(trainLabels))),
            ("x_test", NpyWriter.Npy("|u1", [100, 8, 8], test)), ("y_test", NpyWriter.Npy("<i8", [100], NpyWriter.Int64(testLabels)))]);
        return path;
    }

    private static Sequential Mlp() =>
        new(new Flatten(), new Linear(64, 32, bias: true, new Random(1)), new Relu(), new Linear(32, 4, bias: true, new Random(2)));

    [Fact]
    public void Npz_FromCSharp_Learns_AndTheCheckpointWorksWithTheCli()
    {
        string npz = QuadrantsNpz();
        var model = new LowbitModel(Mlp(), DataSource.Npz(npz) with { Validation = 50, Normalize = "zero_one" }, new TrainingOptions { Epochs = 5, Threads = 1, LearningRate = 0.01 });
        Assert.Equal([1, 8, 8], model.InputShape);
        model.Fit(Path.Combine(_dir, "run"));
        var evaluation = model.Evaluate();
        Assert.True(evaluation.Accuracy >= 0.95, $"four well-separated classes should be learned, got {evaluation.Accuracy:P0}");
        var err = new StringWriter();
        var output = new StringWriter();
        Assert.True(CliApp.Run(["eval", "--checkpoint", Path.Combine(_dir, "run", "checkpoint.lbck")], output, err) == 0, err.ToString());
        Assert.Contains("npz test (100 images)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Npz_FromAConfig_TrainsWithLowbitTrain()
    {
        string npz = QuadrantsNpz();
        string config = Path.Combine(_dir, "npz.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            name = "quadrants",
            threads = 1,
            data = new { dataset = "npz", path = npz, validation = 50, normalize = "zero_one" },
            layers = new object[] { new { type = "flatten" }, new { type = "dense", units = 32 }, new { type = "relu" }, new { type = "dense", units = 4 } },
            optimizer = new { type = "adam", lr = 0.01 },
            train = new { epochs = 5 },
        }));
        var err = new StringWriter();
        var output = new StringWriter();
        int code = CliApp.Run(["train", "--config", config, "--out", Path.Combine(_dir, "cli"), "--quiet"], output, err);
        Assert.True(code == 0, err.ToString());
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "cli", "result.json")));
        Assert.True(result.RootElement.GetProperty("test_accuracy").GetDouble() >= 0.95, output.ToString());
        Assert.Equal("npz", result.RootElement.GetProperty("dataset").GetString());
    }

    [Fact]
    public void ImageFolder_FromCSharp_LoadsAndTrains()
    {
        var (pixels, labels) = Quadrants(80, 3);
        for (int i = 0; i < 80; i++)
        {
            string part = i < 60 ? "train" : "test";
            string folder = Path.Combine(_dir, "images", part, "class" + labels[i]);
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, $"{i:D3}.pgm"), [.. "P5\n8 8\n255\n"u8, .. pixels.AsSpan(i * 64, 64)]);
        }
        var model = new LowbitModel(Mlp(), DataSource.ImageFolder(Path.Combine(_dir, "images")) with { Validation = 0, Normalize = "zero_one" }, new TrainingOptions { Epochs = 10, Threads = 1, LearningRate = 0.01 });
        model.Fit(Path.Combine(_dir, "images-run"));
        var data = model.LoadData();
        Assert.Equal((60, 20, 4), (data.Train.Count, data.Test.Count, data.Train.Classes));
        Assert.True(model.Evaluate().Accuracy >= 0.9);
    }

    [Fact]
    public void Npz_WithoutPath_IsAConfigError()
    {
        var e = Assert.Throws<Training.Config.ConfigException>(() => new LowbitModel(Mlp(), new DataSource("npz")));
        Assert.Contains("data.path' is required for npz", e.Message, StringComparison.Ordinal);
    }
}
