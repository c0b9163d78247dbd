namespace Lowbit.Data;

/// <summary>A training set divided into the part used for training and a held-out validation part.</summary>
/// <param name="Train">Images used for gradient steps.</param>
/// <param name="Validation">Held-out images for model selection.</param>
public sealed record TrainValidationSets(ImageDataset Train, ImageDataset Validation);
