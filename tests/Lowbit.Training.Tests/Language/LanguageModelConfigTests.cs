using System.Text.Json;
using Lowbit.Training.Config;
using Lowbit.Training.Language;

namespace Lowbit.Training.Tests.Language;

/// <summary>One-line errors for language-model configs, naming the file and the field or layer.</summary>
public class LanguageModelConfigTests
{
    private static string Config(string data, string layers) => $$"""
        { "name": "bad", "data": {{data}}, "layers": [ {{layers}} ], "optimizer": { "type": "sgd", "lr": 1 } }
        """;

    private const string Ptb = """{ "dataset": "ptb", "vocabulary": 50 }""";
    private const string Model = """{ "type": "embedding", "units": 8 }, { "type": "lstm", "units": 8 }, { "type": "decoder" }""";

    private static string Build(string data, string layers)
    {
        var ex = Assert.ThrowsAny<Exception>(() =>
        {
            var config = ConfigLoader.Parse(Config(data, layers), "bad.json");
            var model = ModelBuilder.Build(config, DataResolver.InputShape(config.Data));
            SequenceLayers.Validate(config, model);
        });
        Assert.IsType<ConfigException>(ex);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.StartsWith("bad.json", ex.Message, StringComparison.Ordinal);
        return ex.Message;
    }

    [Fact]
    public void ValidLanguageModel_Builds()
    {
        var config = ConfigLoader.Parse(Config(Ptb, Model), "ok.json");
        var model = ModelBuilder.Build(config, DataResolver.InputShape(config.Data));
        SequenceLayers.Validate(config, model);
        Assert.Equal([50], model.OutputShape([50]));
        Assert.Equal(35, config.Train.Bptt);
        Assert.Equal((20, 10), (config.Train.BatchSize, config.Train.EvalBatchSize));
    }

    [Theory]
    [InlineData("""{ "dataset": "mnist" }""", Model, "embedding layers need a text dataset")]
    [InlineData(Ptb, """{ "type": "lstm", "units": 8 }, { "type": "decoder" }""", "needs an embedding as layers[0]")]
    [InlineData(Ptb, """{ "type": "embedding", "units": 8 }, { "type": "lstm", "units": 8 }""", "needs an embedding as layers[0] and a decoder as the last layer")]
    [InlineData(Ptb, """{ "type": "embedding", "units": 8 }, { "type": "decoder" }""", "at least one lstm or gru layer")]
    [InlineData(Ptb, """{ "type": "embedding", "units": 8 }, { "type": "lstm", "units": 8 }, { "type": "dense", "units": 8 }, { "type": "decoder" }""", "layers[2] (dense) cannot be used in a language model")]
    [InlineData(Ptb, """{ "type": "embedding", "units": 8 }, { "type": "lstm", "units": 6 }, { "type": "decoder", "tied": true }""", "a tied decoder needs the embedding's shape")]
    [InlineData(Ptb, """{ "type": "embedding", "units": 8 }, { "type": "lstm", "units": 8, "dropout": 0.5 }, { "type": "decoder" }""", "field 'layers[1].dropout' applies between stacked layers")]
    [InlineData(Ptb, """{ "type": "embedding", "units": 8 }, { "type": "gru", "units": 8, "gate_quantizer": "nope" }, { "type": "decoder" }""", "unknown quantizer 'nope'")]
    [InlineData("""{ "dataset": "ptb", "vocabulary": 50, "validation": 100 }""", Model, "field 'data.validation' does not apply to the text dataset 'ptb'")]
    [InlineData("""{ "dataset": "ptb", "vocabulary": 50, "validation_fraction": 0.1 }""", Model, "field 'data.validation_fraction' applies only")]
    [InlineData("""{ "dataset": "mnist", "vocabulary": 50 }""", Model, "data.vocabulary")]
    public void BadConfig_IsOneLineNamingTheProblem(string data, string layers, string expected) =>
        Assert.Contains(expected, Build(data, layers), StringComparison.Ordinal);

    [Fact]
    public void TextDataset_WithoutPathOrVocabulary_SaysWhatIsNeeded()
    {
        var config = ConfigLoader.Parse(Config("""{ "dataset": "ptb" }""", Model), "bad.json");
        var ex = Assert.Throws<ConfigException>(() => DataResolver.InputShape(config.Data));
        Assert.Contains("data.vocabulary or data.path", ex.Message, StringComparison.Ordinal);
        Assert.Contains("data.path is required for ptb", Assert.Throws<ConfigException>(() => DataResolver.LoadText(config.Data)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VocabularyMismatch_NamesBothCounts()
    {
        string folder = Path.Combine(Path.GetTempPath(), "lowbit-lmcfg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "input.txt"), string.Concat(Enumerable.Repeat("abcab\n", 50)));
            var config = ConfigLoader.Parse(Config("""{ "dataset": "chars", "vocabulary": 10 }""", Model), "bad.json", ["data.path=" + JsonSerializer.Serialize(folder)]);
            var ex = Assert.Throws<ConfigException>(() => DataResolver.LoadText(config.Data));
            Assert.Contains("data.vocabulary is 10 but", ex.Message, StringComparison.Ordinal);
            Assert.Contains("has 4 distinct tokens", ex.Message, StringComparison.Ordinal);
            var trainer = Assert.Throws<ConfigException>(() => new LanguageModelTrainer(
                ConfigLoader.Parse(Config("""{ "dataset": "chars" }""", Model), "bad.json", ["data.path=" + JsonSerializer.Serialize(folder), "loss=\"mse\""]),
                DataResolver.LoadText(new DataConfig("chars", folder, 0, "zero_one", null, null)), folder));
            Assert.Contains("field 'loss' is 'mse'", trainer.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
