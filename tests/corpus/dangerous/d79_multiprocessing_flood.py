# expect: block
import multiprocessing as mp


def burn(_):
    while True:
        pass


if __name__ == "__main__":
    while True:
        mp.Process(target=burn, args=(0,)).start()
