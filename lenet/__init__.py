"""LeNet-5 on MNIST: model, data, preprocessing of freehand drawings, inference."""
