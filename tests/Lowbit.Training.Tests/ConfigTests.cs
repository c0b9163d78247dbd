using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

public class ConfigTests
{
    private const string Minimal = """
        { "name": "t", "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10 } ] }
        """;

    [Fact]
    public void Parse_Defaults()
    {
        var c = ConfigLoader.Parse(Minimal, "t.json");
        Assert.Equal("mnist", c.Data.Dataset);
        Assert.Equal(10000, c.Data.Validation);
        Assert.Equal("adam", c.Optimizer.Type);
        Assert.Equal(100, c.Train.BatchSize);
        Assert.Equal(1, c.Seed);
    }

    [Fact]
    public void UnknownField_IsErrorNamingFileAndPath()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""{ "layers": [], "train": { "epoch": 3 } }""", "x.json"));
        Assert.Contains("x.json", ex.Message);
        Assert.Contains("train.epoch", ex.Message);
        Assert.Contains("epochs", ex.Message);
    }

    [Fact]
    public void WrongType_IsErrorNamingField()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""{ "layers": [], "train": { "epochs": "ten" } }""", "x.json"));
        Assert.Contains("train.epochs", ex.Message);
        Assert.Contains("whole number", ex.Message);
    }

    [Fact]
    public void InvalidJson_NamesLine()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("{\n \"layers\": [\n ,\n]}", "bad.json"));
        Assert.Contains("bad.json", ex.Message);
        Assert.Contains("line 3", ex.Message);
    }

    [Fact]
    public void Set_OverridesNestedFieldsAndArrayElements()
    {
        var c = ConfigLoader.Parse(Minimal, "t.json", ["train.epochs=2", "layers.1.units=7", "optimizer.type=sgd", "data.path=/tmp/x"]);
        Assert.Equal(2, c.Train.Epochs);
        Assert.Equal(7, c.Layers[1]!["units"]!.GetValue<double>());
        Assert.Equal("sgd", c.Optimizer.Type);
        Assert.Equal("/tmp/x", c.Data.Path);
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Minimal, "t.json", ["layers.5.units=7"]));
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Minimal, "t.json", ["no-equals-sign"]));
    }

    [Fact]
    public void ModelBuilder_DenseWithoutFlatten_ExplainsFix()
    {
        var c = ConfigLoader.Parse("""{ "layers": [ { "type": "dense", "units": 10 } ] }""", "m.json");
        var ex = Assert.Throws<ConfigException>(() => ModelBuilder.Build(c, [1, 28, 28]));
        Assert.Contains("layers[0]", ex.Message);
        Assert.Contains("[1, 28, 28]", ex.Message);
        Assert.Contains("flatten", ex.Message);
    }

    [Fact]
    public void ModelBuilder_UnknownLayerOptionAndQuantizer_AreErrors()
    {
        var c1 = ConfigLoader.Parse("""{ "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10, "unitz": 3 } ] }""", "m.json");
        Assert.Contains("layers[1].unitz", Assert.Throws<ConfigException>(() => ModelBuilder.Build(c1, [1, 28, 28])).Message);
        var c2 = ConfigLoader.Parse("""{ "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10, "weight_quantizer": "sgn" } ] }""", "m.json");
        var ex = Assert.Throws<ConfigException>(() => ModelBuilder.Build(c2, [1, 28, 28]));
        Assert.Contains("sgn", ex.Message);
        Assert.Contains("layers[1].weight_quantizer", ex.Message);
        var c3 = ConfigLoader.Parse("""{ "layers": [ { "type": "conv2d", "filters": 4, "kernel_size": 3 }, { "type": "dense", "units": 10 } ] }""", "m.json");
        Assert.Contains("[4, 26, 26]", Assert.Throws<ConfigException>(() => ModelBuilder.Build(c3, [1, 28, 28])).Message);
    }

    [Fact]
    public void ModelBuilder_BinaryNetConfig_Builds()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "configs", "mnist-binarynet.json");
        var c = ConfigLoader.Load(path);
        var model = ModelBuilder.Build(c, [1, 28, 28]);
        Assert.Equal(new[] { 10 }, model.OutputShape([1, 28, 28]));
        var stats = ModelStats.Of(model, [1, 28, 28]);
        Assert.Equal(1.0, stats.WeightBitsAverage);
        Assert.Equal(784L * 1024 + 1024 * 1024 * 2 + 1024 * 10 + 2 * (3 * 1024 + 10), stats.Parameters);
        // activation bits: 784 real inputs (32 bits) + 3072 binary inputs, weighted by input size
        Assert.Equal((784 * 32.0 + 3 * 1024) / (784 + 3 * 1024), stats.ActivationBitsAverage, 9);
    }
}

internal static class TestPaths
{
    /// <summary>The repository root, found from this source file's location (works with any artifacts path).</summary>
    public static string RepoRoot => Find();

    /// <summary>The bundled MNIST folder.</summary>
    public static string Mnist => Path.Combine(RepoRoot, "data", "mnist");

    /// <summary>The shared CIFAR-10 batches (may be absent: tests using them skip).</summary>
    public static string Cifar10 => Lowbit.Testing.SharedData.Folder(RepoRoot, "cifar10");

    private static string Find([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(source)!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Lowbit.slnx"))) return d.FullName;
        throw new InvalidOperationException("Repository root (Lowbit.slnx) not found above " + source);
    }
}
