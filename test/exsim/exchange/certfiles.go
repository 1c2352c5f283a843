package exchange

import "strings"

// Exchange 2013's certificate cmdlets take file paths on the server
// (-RequestFile, -FileName; removed from 2016 and 2019 by the 2022 H1
// cumulative updates, see New-ExchangeCertificate's reference). exsim keeps
// those files in memory per server, not persisted. Paths compare without
// regard to case, as on Windows.

func (s *Server) writeFile(path string, data []byte) {
	if s.files == nil {
		s.files = map[string][]byte{}
	}
	s.files[strings.ToLower(strings.TrimSpace(path))] = append([]byte(nil), data...)
}

func (s *Server) readFile(path string) ([]byte, bool) {
	b, ok := s.files[strings.ToLower(strings.TrimSpace(path))]
	return b, ok
}
