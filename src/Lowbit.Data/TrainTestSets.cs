namespace Lowbit.Data;

/// <summary>A dataset's official training and test parts.</summary>
/// <param name="Train">The training images.</param>
/// <param name="Test">The test images.</param>
public sealed record TrainTestSets(ImageDataset Train, ImageDataset Test);
