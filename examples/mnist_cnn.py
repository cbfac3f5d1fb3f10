"""The main job: the tutorial's MNIST CNN (section 6), unmodified, trained and evaluated on ember.

    python examples/mnist_cnn.py                 # bundled offline digits (default)
    python examples/mnist_cnn.py --data download # the real MNIST, downloaded and MD5-checked

It runs examples/tutorial/s6_mnist_cnn.py through ember's torch launcher inside a work folder
(``runs/mnist_cnn`` by default) whose ``./data`` holds the dataset, so the tutorial's
``root='./data', download=True`` finds it there. The bundled dataset is scikit-learn's real
handwritten digits (UCI optdigits) written in MNIST's IDX format (ember/vision/_data/README);
it is small, so an epoch takes seconds.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--data', choices=['bundled', 'download'], default='bundled',
                    help='bundled offline digits (default) or the real MNIST download')
    ap.add_argument('--workdir', default=os.path.join('runs', 'mnist_cnn'),
                    help='folder the program runs in (its ./data and mnist_cnn.pth live there)')
    args = ap.parse_args(argv)
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    if args.data == 'bundled':
        from ember.vision.datasets import bundled_digits_root
        bundled_digits_root(os.path.join(workdir, 'data'))
        open(os.path.join(workdir, 'data', 'MNIST', 'raw', '.ember-bundled'), 'w').close()
    elif os.path.exists(os.path.join(workdir, 'data', 'MNIST', 'raw', '.ember-bundled')):
        sys.exit(f'{workdir}/data holds the bundled digits; use another --workdir for real MNIST')
    program = os.path.join(HERE, 'tutorial', 's6_mnist_cnn.py')
    os.chdir(workdir)
    from ember.run import main as run
    return run([program])


if __name__ == '__main__':
    sys.exit(main())
