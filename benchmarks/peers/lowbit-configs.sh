# Sourced by run_all.sh and cpu-per-step.sh: the Lowbit config that defines the same network as a peer model.
# lowbit_config MODEL prints the config path relative to the repository root.
lowbit_config() {
    case "$1" in
        mlp-float) echo configs/mnist-mlp-float.json ;;
        mlp-binary) echo configs/mnist-binarynet.json ;;
        cnn-float) echo configs/mnist-cnn-float.json ;;
        cnn-binary) echo configs/mnist-cnn-binary.json ;;
        vgg-small-float) echo benchmarks/configs/cifar10-vgg-small-w0.25-float.json ;;
        vgg-small-binary) echo benchmarks/configs/cifar10-vgg-small-w0.25-binary.json ;;
        resnet20-float) echo benchmarks/configs/cifar10-resnet20-float.json ;;
        resnet20-binary) echo benchmarks/configs/cifar10-resnet20-binary.json ;;
        *) echo "configs/$1.json" ;;
    esac
}
