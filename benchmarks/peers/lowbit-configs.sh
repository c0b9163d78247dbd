# Sourced by run_all.sh and cpu-per-step.sh: the Lowbit config that defines the same network as a peer model.
# lowbit_config MODEL prints the config path relative to the repository root. The peers train with batch 100, so the
# Lowbit side runs with LOWBIT_BATCH_SET (--set train.batch_size=100) whatever the config's own batch size.
LOWBIT_BATCH_SET=(--set train.batch_size=100)
lowbit_config() {
    case "$1" in
        mlp-float) echo configs/mnist-mlp-float.json ;;
        mlp-binary) echo configs/mnist-binarynet.json ;;
        cnn-float) echo configs/mnist-cnn-float.json ;;
        cnn-binary) echo configs/mnist-cnn-binary.json ;;
        vgg-small-float) echo configs/cifar10-vgg-small-w0.25.json ;;
        vgg-small-binary) echo configs/cifar10-vgg-small-binary-w0.25.json ;;
        resnet20-float) echo configs/cifar10-resnet20.json ;;
        resnet20-binary) echo configs/cifar10-resnet20-binary.json ;;
        *) echo "configs/$1.json" ;;
    esac
}
