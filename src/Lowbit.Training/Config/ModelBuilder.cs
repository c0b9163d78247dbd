using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;

namespace Lowbit.Training.Config;

/// <summary>
/// Builds a <see cref="Sequential"/> model from a config's layer list, inferring each layer's input size from the
/// previous layer's output shape and reporting any mismatch with the layer's path and both shapes. Layer types come
/// from <see cref="LayerRegistry"/>.
/// </summary>
public static class ModelBuilder
{
    /// <summary>Layer types a config may use.</summary>
    public static IReadOnlyList<string> LayerTypes => LayerRegistry.Names;

    /// <summary>Builds the model for per-example input shape <paramref name="inputShape"/> (e.g. [1, 28, 28]).</summary>
    public static Sequential Build(ExperimentConfig config, int[] inputShape) => Build(config, inputShape, long.MaxValue);

    /// <summary>
    /// Builds the model, refusing before it allocates any layer whose weight tensor would hold more than
    /// <paramref name="maxWeightElements"/> values: a config read back from a checkpoint can only describe weights the
    /// checkpoint stores, and a damaged one must not make the builder allocate gigabytes first.
    /// </summary>
    public static Sequential Build(ExperimentConfig config, int[] inputShape, long maxWeightElements)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (config.Layers.Count == 0) throw new ConfigException($"{config.Source}: field 'layers' is empty; a model needs at least one layer.");
        return BuildChain(config.Layers, "layers", inputShape, new Random(config.Seed), config, maxWeightElements);
    }

    /// <summary>Builds the layer list at config path <paramref name="path"/> (e.g. "layers[3].body") on <paramref name="inputShape"/>.</summary>
    internal static Sequential BuildChain(JsonArray layers, string path, int[] inputShape, Random random, ExperimentConfig config, long maxWeightElements = long.MaxValue)
    {
        var model = new Sequential();
        var shape = inputShape;
        for (int i = 0; i < layers.Count; i++)
        {
            string where = $"{path}[{i}]";
            var f = new JsonFields(layers[i], where, config.Source);
            string type = f.String("type", "", LayerRegistry.Names.ToArray());
            if (type.Length == 0) throw new ConfigException($"{config.Source}: {where} needs a 'type' (one of: {string.Join(", ", LayerRegistry.Names)}).");
            var definition = LayerRegistry.Find(type)!;
            Module layer;
            try
            {
                layer = definition.Create(new LayerContext(f, shape, random, config) { Chain = model, MaxWeightElements = maxWeightElements });
                f.EnsureAllRead();
                shape = layer.OutputShape(shape);
            }
            catch (ArgumentException e)
            {
                throw new ConfigException($"{config.Source}: {where} ({type}): {ErrorText.Bare(e)}");
            }
            catch (QuantizerConfigException e)
            {
                // Its message already starts with the source and field.
                throw new ConfigException(ErrorText.OneLine(e.Message));
            }
            model.Add(layer);
        }
        if (config.Arithmetic is { } arithmetic)
        {
            try
            {
                Nn.Arithmetic.ArithmeticPolicy.Attach(model, arithmetic, config.Seed);
            }
            catch (ArgumentException e)
            {
                throw new ConfigException($"{config.Source}: field 'arithmetic': {ErrorText.Bare(e)}");
            }
        }
        return model;
    }
}
