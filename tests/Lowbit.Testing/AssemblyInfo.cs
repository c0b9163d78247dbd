namespace Lowbit.Testing;
