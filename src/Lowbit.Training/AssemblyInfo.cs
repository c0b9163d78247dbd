namespace Lowbit.Training;
