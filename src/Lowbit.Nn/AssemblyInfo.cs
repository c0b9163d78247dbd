namespace Lowbit.Nn;
