# expect: review
import torch

state = torch.load("checkpoints/epoch_10.pt", map_location="cpu")
print(sorted(state.keys())[:5])
