namespace Lowbit.Inference;
