using System.Text.Json.Nodes;
using Lowbit.Tensors;
using Lowbit.Testing.Fuzzing;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests.Fuzzing;

/// <summary>
/// Structure-aware fuzzing of the config loader (<see cref="ConfigLoader"/>, then <see cref="ModelBuilder"/> as
/// <c>lowbit train</c> and <c>summary</c> run them): every repository config, shrunk, has 1 to 3 values, keys or array
/// elements replaced, removed, renamed, repeated or retyped (now and then the text is cut or nested deep). Each case must
/// end in a clean rejection (<see cref="ConfigException"/>, one line naming the file) or in a config that re-reads to
/// itself and whose model computes finite outputs in training and evaluation mode. 10^4 cases in CI;
/// LOWBIT_FUZZ_CASES=1000000 for the long run (docs/RELIABILITY.md).
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class ConfigFuzzTests
{
    private const string Source = "fuzz.json";

    private static readonly string[] s_vocabulary =
        [.. ModelBuilder.LayerTypes, "ste_sign", "approx_sign", "pact", "lsq", "dorefa_weight", "dorefa_act", "hbb", "residual", "bitpruning", "ternary",
         "adam", "sgd", "adamax", "exponential", "cosine", "step", "mnist", "fashion-mnist", "cifar10", "zero_one", "standardize", "squared_hinge", "mse"];

    /// <summary>Largest layer number built: bigger legal sizes only make slow models, not new paths.</summary>
    private const double LargestBuiltNumber = 64;

    [Fact]
    public void Fuzz_ConfigLoader_RejectsCleanlyOrBuildsAWorkingModel()
    {
        var seeds = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "configs"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => FuzzSeeds.Shrunk(Path.GetFileName(f))).ToArray();
        int accepted = 0, built = 0, rejected = 0;
        int cases = FuzzRunner.Run("config", 20261204, FuzzRunner.Cases(10_000), (index, random) =>
        {
            var seed = seeds[index % seeds.Length];
            int mutations = random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 3 };
            string text = seed.ToJsonString();
            JsonNode node = seed;
            for (int m = 0; m < mutations; m++)
            {
                text = JsonMutator.Mutate(node, random, s_vocabulary);
                node = TryParse(text) ?? node;
            }
            ExperimentConfig config;
            try
            {
                config = ConfigLoader.Parse(text, Source);
            }
            catch (ConfigException e)
            {
                FuzzAssert.CleanMessage(e, Source);
                rejected++;
                return;
            }
            accepted++;
            if (ConfigLoader.Parse(config.Json, Source).Json != config.Json) throw new FuzzFinding("an accepted config does not re-read to itself", null);
            if (HasLargeNumber(config.Layers)) return;
            if (Build(config)) built++;
        });
        Assert.True(rejected > cases / 4 && built > cases / 30, $"{accepted} accepted ({built} built), {rejected} rejected");
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static bool HasLargeNumber(JsonNode? node) => node switch
    {
        JsonObject o => o.Any(kv => HasLargeNumber(kv.Value)),
        JsonArray a => a.Any(HasLargeNumber),
        JsonValue v when v.TryGetValue(out double d) => Math.Abs(d) > LargestBuiltNumber,
        _ => false,
    };

    /// <summary>True when the model was built and computes finite outputs; false for a clean rejection.</summary>
    private static bool Build(ExperimentConfig config)
    {
        int[] shape = DataResolver.InputShape(config.Data.Dataset);
        Nn.Layers.Sequential model;
        try
        {
            model = ModelBuilder.Build(config, shape);
        }
        catch (ConfigException e)
        {
            FuzzAssert.CleanMessage(e, Source);
            return false;
        }
        int size = shape.Aggregate(1, (a, b) => a * b);
        var input = Tensor.FromArray(Enumerable.Range(0, 2 * size).Select(i => (float)Math.Sin(0.37 * i)).ToArray(), [2, .. shape]);
        model.SetRandom(new Random(1));
        foreach (bool training in new[] { true, false })
        {
            model.Train(training);
            var output = model.Forward(input).ToArray();
            if (output.Any(v => !float.IsFinite(v))) throw new FuzzFinding($"an accepted config builds a model with non-finite outputs ({(training ? "training" : "evaluation")} mode)", null);
        }
        return true;
    }
}
