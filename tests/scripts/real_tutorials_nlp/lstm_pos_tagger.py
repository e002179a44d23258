# "Sequence Models and Long Short-Term Memory Networks" (PyTorch tutorials): stepping an LSTM one
# element at a time versus the whole sequence at once, the LSTMTagger part-of-speech tagger with
# prepare_sequence and log_softmax, and the exercise: augmenting word embeddings with a
# character-level LSTM representation
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)

lstm = nn.LSTM(3, 3)  # Input dim is 3, output dim is 3
inputs = [torch.randn(1, 3) for _ in range(5)]  # make a sequence of length 5

# initialize the hidden state.
hidden = (torch.randn(1, 1, 3), torch.randn(1, 1, 3))
for i in inputs:
    # Step through the sequence one element at a time.
    # after each step, hidden contains the hidden state.
    out, hidden = lstm(i.view(1, 1, -1), hidden)
print(out)
print(hidden)

# alternatively, we can do the entire sequence all at once.
inputs = torch.cat(inputs).view(len(inputs), 1, -1)
hidden = (torch.randn(1, 1, 3), torch.randn(1, 1, 3))  # clean out hidden state
out, hidden = lstm(inputs, hidden)
print(out)
print(hidden)
print(lstm)
for name, p in lstm.named_parameters():
    print(name, tuple(p.shape))


def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


training_data = [
    # Tags are: DET - determiner; NN - noun; V - verb
    # For example, the word "The" is a determiner
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"]),
    ("The cat chased a mouse".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("A girl sees the dog".split(), ["DET", "NN", "V", "DET", "NN"]),
]
word_to_ix = {}
# For each words-list (sentence) and tags-list in each tuple of training_data
for sent, tags in training_data:
    for word in sent:
        if word not in word_to_ix:  # word has not been assigned an index yet
            word_to_ix[word] = len(word_to_ix)  # Assign each word with a unique index
print(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}  # Assign each tag with a unique index
ix_to_tag = {v: k for k, v in tag_to_ix.items()}

# These will usually be more like 32 or 64 dimensional.
# We will keep them small, so we can see how the weights change as we train.
EMBEDDING_DIM = 6
HIDDEN_DIM = 6


class LSTMTagger(nn.Module):

    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super(LSTMTagger, self).__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        # The LSTM takes word embeddings as inputs, and outputs hidden states
        # with dimensionality hidden_dim.
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        # The linear layer that maps from hidden state space to tag space
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores


model = LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix))
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
print(model)

# See what the scores are before training
# Note that element i,j of the output is the score for tag j for word i.
# Here we don't need to train, so the code is wrapped in torch.no_grad()
with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    print(inputs)
    tag_scores = model(inputs)
    print(tag_scores)

for epoch in range(150):  # again, normally you would NOT do 300 epochs, it is toy data
    total = 0.0
    for sentence, tags in training_data:
        # Step 1. Remember that Pytorch accumulates gradients.
        # We need to clear them out before each instance
        model.zero_grad()
        # Step 2. Get our inputs ready for the network, that is, turn them into
        # Tensors of word indices.
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        # Step 3. Run our forward pass.
        tag_scores = model(sentence_in)
        # Step 4. Compute the loss, gradients, and update the parameters by
        #  calling optimizer.step()
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
        total += loss.item()
    if epoch % 30 == 29:
        print(epoch + 1, '%.5f' % total)

# See what the scores are after training
with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    tag_scores = model(inputs)
    # The sentence is "the dog ate the apple".  i,j corresponds to score for tag j
    # for word i. The predicted tag is the maximum scoring tag.
    # Here, we can see the predicted sequence below is 0 1 2 0 1
    # since 0 is index of the maximum value of row 1,
    # 1 is the index of maximum value of row 2, etc.
    # Which is DET NOUN VERB DET NOUN, the correct sequence!
    print(tag_scores)
    print(tag_scores.argmax(dim=1), [ix_to_tag[i] for i in tag_scores.max(1)[1].tolist()])
    print(torch.max(tag_scores, 1))
    print(model.word_embeddings.weight.grad is not None, model.lstm.weight_hh_l0.grad.abs().sum() > 0)

# ---- exercise: augmenting the LSTM part-of-speech tagger with character-level features ----
char_to_ix = {}
for sent, _ in training_data:
    for word in sent:
        for ch in word:
            if ch not in char_to_ix:
                char_to_ix[ch] = len(char_to_ix)
print(len(char_to_ix))


class CharLSTMTagger(nn.Module):
    def __init__(self, embedding_dim, char_dim, char_hidden, hidden_dim, vocab_size, n_chars, tagset_size):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.char_embeddings = nn.Embedding(n_chars, char_dim)
        self.char_lstm = nn.LSTM(char_dim, char_hidden)
        self.lstm = nn.LSTM(embedding_dim + char_hidden, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence, words):
        char_reps = []
        for word in words:
            chars = prepare_sequence(word, char_to_ix)
            _, (h_n, c_n) = self.char_lstm(self.char_embeddings(chars).unsqueeze(1))
            char_reps.append(h_n.view(-1))
        char_reps = torch.stack(char_reps)
        embeds = torch.cat([self.word_embeddings(sentence), char_reps], dim=1)
        lstm_out, _ = self.lstm(embeds.unsqueeze(1))
        return F.log_softmax(self.hidden2tag(lstm_out.squeeze(1)), dim=1)


model2 = CharLSTMTagger(EMBEDDING_DIM, 3, 3, HIDDEN_DIM, len(word_to_ix), len(char_to_ix), len(tag_to_ix))
optimizer2 = optim.SGD(model2.parameters(), lr=0.1)
print(model2)
for epoch in range(60):
    total = 0.0
    for sentence, tags in training_data:
        model2.zero_grad()
        scores = model2(prepare_sequence(sentence, word_to_ix), sentence)
        loss = loss_function(scores, prepare_sequence(tags, tag_to_ix))
        loss.backward()
        optimizer2.step()
        total += loss.item()
    if epoch % 20 == 19:
        print(epoch + 1, '%.5f' % total)
with torch.no_grad():
    test = "The girl chased the apple".split()
    scores = model2(prepare_sequence(test, word_to_ix), test)
    print(scores.exp())
    print([ix_to_tag[i] for i in scores.argmax(-1).tolist()])
